"""Thought Anchors: sentences, answers, black-box importance by resampling, white-box attention, export."""
