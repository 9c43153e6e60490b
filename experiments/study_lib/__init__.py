"""Code only the studies in experiments/ use: the vectorised mixture ensemble, D's-gradient
diagnostics and metric curves. The scripts import it as `study_lib` (their folder is on the
path); the tests as `experiments.study_lib`."""
