"""Moved to :mod:`kdbook.explore.bounds`: a temporary alias while the chapters move their imports over."""

import sys

from .explore import bounds as _moved

sys.modules[__name__] = _moved
