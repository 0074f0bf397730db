# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local emulator of Entra ID, Azure Resource Manager (SQL MI instance failover groups) and the
Microsoft Fabric admin workspace API, over HTTPS.  Start it with
``PYTHONPATH=tests python -m azure_dr_emulator --port 8443 --state state.json``."""
