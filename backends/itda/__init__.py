"""ITDA: dictionaries of real activations, their build, encoders, comparison and corpora."""
