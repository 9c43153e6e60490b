"""lsgan_tf: Least Squares GANs (Mao et al.) in Keras 3 / TensorFlow."""

__version__ = "0.1.0"
