"""numba kernels: plain arrays in, arrays out."""
