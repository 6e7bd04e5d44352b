"""The analyses: pure Python + torch/transformers/nnsight. Knows nothing of agents or screens.

Importing this package is cheap: modules that need torch import it themselves, so
`parley tools` can list tools without loading torch.
"""
