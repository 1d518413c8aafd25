"""Moved to :mod:`kdbook.explore.fidelity`: a temporary alias while the chapters move their imports over."""

import sys

from .explore import fidelity as _moved

sys.modules[__name__] = _moved
