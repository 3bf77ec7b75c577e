"""Training: the HILL loss and the epoch loop that applies a person's latent-space targets."""
