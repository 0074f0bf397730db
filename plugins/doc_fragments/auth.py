# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Shared options of every module: authentication (DOCUMENTATION), plus the ARM (ARM) or the
    Fabric (FABRIC) endpoint options.  Kept in step with _auth.py by a unit test."""

    DOCUMENTATION = r'''
options:
  auth_source:
    description:
      - How to choose the identity. Environment variables E(AZURE_AUTH_SOURCE), then E(ANSIBLE_AZURE_AUTH_SOURCE).
      - V(auto) takes the first of, in this order, O(access_token); O(client_id) + O(secret) (service principal
        with a secret); O(client_id) + O(certificate_path) (service principal with a certificate);
        O(ad_user) + O(password) (user); and when none of those is set, azure-identity's chain of workload
        identity (E(AZURE_FEDERATED_TOKEN_FILE)), managed identity and the Azure CLI login.
      - V(env) allows only the service principal and user identities above, from options or the environment.
      - V(cli) uses the Azure CLI login, V(msi) a managed identity (user-assigned when O(client_id) is set),
        V(workload_identity) a federated token file, V(token) the O(access_token) given.
      - Every option below is read from its environment variable when not given; where two variables are
        named, the first (the one AWX's Microsoft Azure Resource Manager credential injects) wins.
    type: str
    choices: [auto, env, cli, msi, workload_identity, token]
    default: auto
  tenant:
    description:
      - Entra ID tenant id (or domain) of the identity. Environment E(AZURE_TENANT), then E(AZURE_TENANT_ID).
      - Required for a service principal and for workload identity.
      - Fabric modules read E(FABRIC_TENANT_ID) first when E(FABRIC_CLIENT_ID) is set (a Fabric admin identity
        of its own, see O(client_id)).
    type: str
  client_id:
    description:
      - Application (client) id of a service principal, of a user-assigned managed identity, or of the public
        client used for O(ad_user) sign-in (default the Azure CLI's). Environment E(AZURE_CLIENT_ID).
      - Fabric modules only, when the Fabric administrator is another service principal than the ARM one
        (in AWX, the C(Azure DR) credential type), E(FABRIC_CLIENT_ID) takes its place, and then the identity
        comes whole from E(FABRIC_CLIENT_SECRET) or E(FABRIC_CLIENT_CERTIFICATE_PATH) (and E(FABRIC_TENANT_ID),
        else the usual tenant variables), never from the ARM identity's variables.
    type: str
  secret:
    description:
      - Client secret of the service principal. Environment E(AZURE_SECRET), then E(AZURE_CLIENT_SECRET);
        for Fabric modules E(FABRIC_CLIENT_SECRET) when E(FABRIC_CLIENT_ID) is set.
    type: str
  certificate_path:
    description:
      - Path to a PEM file with the service principal's certificate and private key.
        Environment E(AZURE_CLIENT_CERTIFICATE_PATH); for Fabric modules E(FABRIC_CLIENT_CERTIFICATE_PATH)
        when E(FABRIC_CLIENT_ID) is set.
    type: path
  ad_user:
    description:
      - User name for user + password sign-in (AWX's user credential). Environment E(AZURE_AD_USER).
      - Accounts with multi-factor authentication cannot sign in this way.
    type: str
  password:
    description:
      - Password of O(ad_user). Environment E(AZURE_PASSWORD).
    type: str
  access_token:
    description:
      - A bearer token already acquired for this module's API (ARM or Fabric). Used as is and never refreshed,
        so it must outlive the task. Neither azure-identity nor msal is loaded.
    type: str
  cloud_environment:
    description:
      - The Azure cloud, which sets the Entra ID host, the ARM endpoint and the ARM token audience.
        Environment E(AZURE_CLOUD_ENVIRONMENT) (AWX's Azure credential sets it when its cloud field is filled).
      - One of V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud); or, as azure.azcollection allows, the
        https URL of a cloud's ARM endpoint (V(https://management.local.azurestack.external)) or of its
        metadata document (C({arm}/metadata/endpoints)), for a private cloud or the emulator. The module reads
        the metadata document once (no token is sent); requests go to that ARM endpoint, tokens come from its
        C(authentication.loginEndpoint), for the first of its C(authentication.audiences). The document names
        no Fabric endpoint, so Fabric modules keep the public one unless C(fabric_endpoint) is set.
      - O(authority_host) and, for ARM modules, C(arm_endpoint) still override what the cloud says.
    type: str
    default: AzureCloud
  authority_host:
    description:
      - Entra ID host (or https URL) that issues tokens, instead of the cloud's own. Environment E(AZURE_AUTHORITY_HOST).
      - A host that is not one of Microsoft's turns instance discovery off, so a proxy or an emulator works.
    type: str
notes:
  - TLS certificates are always verified, against E(REQUESTS_CA_BUNDLE) (or E(CURL_CA_BUNDLE)), else certifi's bundle,
    as C(requests) chooses.
  - Every request, the token requests too, goes through one C(requests) session per module run, so a proxy is taken
    from E(HTTPS_PROXY) (or E(ALL_PROXY)) unless E(NO_PROXY) lists the host, as C(requests) reads them; an C(http://)
    or an C(https://) proxy, with its credentials, if any, in the URL.
  - An endpoint over plain C(http) is refused unless its host is a loopback address.
  - One HTTP answer is awaited at most 120 seconds, or E(AZURE_DR_HTTP_TIMEOUT) seconds (1 to 3600); a request that
    timed out is sent again only when that cannot do harm (a read, or a request that never left).
  - Secrets and tokens never appear in results, warnings or errors.
requirements:
  - python >= 3.9
  - requests
  - msal (for a secret, a certificate and O(ad_user) + O(password))
  - azure-identity (for managed identity, workload identity and Azure CLI sign-in)
'''

    ARM = r'''
options:
  subscription_id:
    description:
      - Azure subscription id. Environment E(AZURE_SUBSCRIPTION_ID). Never guessed.
    type: str
  arm_endpoint:
    description:
      - Base URL of Azure Resource Manager, instead of the cloud's own, for example V(https://127.0.0.1:8443).
        The module appends C(/subscriptions/...). Tokens are still requested for the cloud's ARM audience.
        Environment E(AZURE_ARM_ENDPOINT).
    type: str
'''

    FABRIC = r'''
options:
  fabric_endpoint:
    description:
      - Base URL of the Microsoft Fabric REST API, instead of V(https://api.fabric.microsoft.com).
        The module appends C(/v1/admin/...). Tokens are still requested for the Fabric audience.
        Environment E(FABRIC_API_ENDPOINT).
    type: str
'''
