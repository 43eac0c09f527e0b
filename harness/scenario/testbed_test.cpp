#include "scenario/scenario.h"
