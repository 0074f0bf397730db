# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure SQL Managed Instance instance failover groups (Microsoft.Sql, api-version 2025-01-01), by concern:

- ``options``: the options of the failover modules and their checks (before any request);
- ``client``: the REST calls, and the error codes with which the service answers them;
- ``sides``: one side of a group (where it is answered), the other side found through
  ``managedInstancePairs``, and the regions seen not answering during a run;
- ``failover``: ``make_primary``, the steps that make a region the primary of a group.

Each side of a group is answered only at the path of its own managed instance (its subscription,
resource group and region); ``properties.managedInstancePairs`` names both instances, so one side's
read tells where the other is.  Import each name from the module that holds it."""
