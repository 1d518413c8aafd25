"""Moved to :mod:`kdbook.explore.core`: a temporary alias while the chapters move their imports over."""

import sys

from .explore import core as _moved

sys.modules[__name__] = _moved
