"""Training a GAN: the factory (build.py), the run loop (loop.py), its callbacks, checkpoints, lock,
optimizers and tf.distribute strategies."""
