"""Thought Branches: resilience, interventions, hint mediation, the scenarios, and CoT monitoring."""
