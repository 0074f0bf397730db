# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Assembles the emulator: state, every API's routes, the HTTPS server."""

from __future__ import annotations

from . import arm, control, entra, fabric
from .server import Emulator
from .state import Store, load_seed_file


def all_routes():
    return control.routes() + entra.routes() + arm.routes() + fabric.routes()


def build_emulator(state_path=None, seed=None, host='127.0.0.1', port=0, tls_dir=None):
    """``seed`` is a seed document or the path of a seed file."""
    if isinstance(seed, str):
        seed = load_seed_file(seed)
    return Emulator(Store(state_path, seed), all_routes(), host=host, port=port, tls_dir=tls_dir)
