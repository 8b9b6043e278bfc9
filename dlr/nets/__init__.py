"""Architectures as plain ``torch.nn.Module``s built from ``(input_shape, output_size, **options)``.

Each net class lists the ``data_kinds`` it accepts, so an incompatible pairing fails before building.
"""
