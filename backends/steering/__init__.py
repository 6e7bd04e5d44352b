"""Steering vectors: contrast vectors, steered generation and the dose-response sweep against random controls."""
