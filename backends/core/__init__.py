"""The house: settings, errors, progress, the run store, statistics, the seed rule and the experiment contract."""
