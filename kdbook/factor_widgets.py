"""Moved to :mod:`kdbook.explore.factors`: a temporary alias while the chapters move their imports over."""

import sys

from .explore import factors as _moved

sys.modules[__name__] = _moved
