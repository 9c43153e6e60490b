"""The dataset converters as scripts (`python data_prep/hwdb.py ...`); the code lives in lsgan_tf/cli/prep_*.py."""
