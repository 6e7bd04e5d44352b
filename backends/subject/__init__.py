"""The subject model: loading, the embedder, sampling (local and remote), interventions, behaviour metrics."""
