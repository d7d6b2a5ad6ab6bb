"""Settings for the whole suite: it writes nothing into the checkout."""

from __future__ import annotations

import atexit
import shutil
import tempfile

from hypothesis import configuration, settings

# Hypothesis keeps the examples it found, and caches of constants it collected from the
# code, in ".hypothesis" under the working directory (the checkout): keep no examples,
# and put its caches in a folder of this run's own, removed at the end.
settings.register_profile("suite", database=None)
settings.load_profile("suite")
_HOME = tempfile.mkdtemp(prefix="review-bot-hypothesis-")
configuration.set_hypothesis_home_dir(_HOME)
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
