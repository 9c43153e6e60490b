"""Small helpers with no knowledge of GANs: atomic writes, the cache folder, images and plots,
quiet start-up, pixel scaling, TensorFlow error text, replica-aware random draws."""
