"""Moved to :mod:`kdbook.explore.variance`: a temporary alias while the chapters move their imports over."""

import sys

from .explore import variance as _moved

sys.modules[__name__] = _moved
