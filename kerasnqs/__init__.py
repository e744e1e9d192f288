"""kerasnqs: autoregressive neural-network quantum states in TensorFlow and Keras."""

__version__ = "0.1.0"
