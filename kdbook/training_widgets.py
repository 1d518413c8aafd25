"""Moved to :mod:`kdbook.explore.training`: a temporary alias while the chapters move their imports over."""

import sys

from .explore import training as _moved

sys.modules[__name__] = _moved
