# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Installed by the bench into the virtual environment of azure.azcollection only, never into ours.

azure.azcollection 3.12.0 (the version in the ``ansible`` 12.3.0 package) resolves a cloud metadata
URL given as ``cloud_environment`` with ``azure.cli.core.cloud.get_cloud_from_metadata_endpoint``.
That function came from msrestazure and does not exist in azure-cli-core 2.75.0, the version its
requirements.txt pins: the module fails with "'AttributeError' object has no attribute 'message'"
(ansible-collections/azure issue 2157, fixed upstream after that release).  Without it the comparison
against the emulator is impossible, so the bench supplies the missing function, and nothing else:
when ``azure.cli.core.cloud`` is imported, this adds a ``get_cloud_from_metadata_endpoint`` that reads
the metadata document and maps it with azure-cli-core's own ``_arm_to_cli_mapper``.  azcollection's
code runs unchanged.  A ``.pth`` file imports this module at interpreter start; it costs well under
a millisecond and is paid equally by the baseline and the measured runs of that environment.
"""

from __future__ import annotations

import importlib.util
import sys

TARGET = 'azure.cli.core.cloud'
DEFAULT_QUERY = '/metadata/endpoints?api-version=2022-09-01'


def get_cloud_from_metadata_endpoint(cloud_module, url, name=None, session=None, timeout=None):
    """A ``Cloud`` from the metadata document at ``url`` (or at ``url`` + /metadata/endpoints when
    ``url`` is an ARM base URL, as msrestazure accepted)."""
    import requests

    if '/metadata/endpoints' not in url:
        url = url.rstrip('/') + DEFAULT_QUERY
    response = (session or requests).get(url, timeout=timeout or 30)
    response.raise_for_status()
    document = response.json()
    if isinstance(document, list):  # api-version 2019-05-01 answers every cloud
        document = next((cloud for cloud in document if not name or cloud.get('name') == name), document[0])
    return cloud_module._arm_to_cli_mapper(document)


class _AddMissingFunction:
    """A meta path finder that lets the real loader import azure.cli.core.cloud, then adds the function."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != TARGET:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            if not hasattr(module, 'get_cloud_from_metadata_endpoint'):
                def from_metadata(url, name=None, session=None, timeout=None):
                    return get_cloud_from_metadata_endpoint(module, url, name=name, session=session, timeout=timeout)
                module.get_cloud_from_metadata_endpoint = from_metadata

        spec.loader.exec_module = exec_module
        return spec


def install():
    if not any(isinstance(finder, _AddMissingFunction) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AddMissingFunction())


install()
