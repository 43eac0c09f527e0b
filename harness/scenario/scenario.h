// ladder::scenario: ladder files (the expected call flow) and testbed files (where the roles live),
// loaded from YAML into plain structs, with every reference resolved and validated.
//
// This header gathers the module's public headers, one per concern, for code that wants the
// whole model:
//   duration.h      "500ms" <-> Duration
//   template.h      ${...} placeholders, SourcePos, Bindings
//   expectations.h  what a step expects of a message (strings, headers, URIs, body, timing)
//   model.h         steps, roles, dialogs, policy, Scenario
//   testbed.h       testbed files and binding a scenario to one
//   role_map.h      capture addresses -> roles for the checker (`--role`)
//   load.h          loading files, diagnostics with file:line:col
// The library listing (`ladder list`) is in list.h, which only the CLI includes.
//
// Threading: everything here is a value type or a pure function; no shared state.
#pragma once

#include "scenario/duration.h"
#include "scenario/expectations.h"
#include "scenario/load.h"
#include "scenario/model.h"
#include "scenario/role_map.h"
#include "scenario/template.h"
#include "scenario/testbed.h"
