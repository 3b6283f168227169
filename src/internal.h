/* Every layer's internal interfaces in one include, for the unit tests (which
 * link the convenience library and may reach internal functions). Library
 * files include their own layer's header instead; programs include none. */
#ifndef NNVIB_INTERNAL_H
#define NNVIB_INTERNAL_H

#include "base/base_internal.h"
#include "model/model_internal.h"
#include "analysis/analysis_internal.h"
#include "pinn/pinn_internal.h"
#include "output/output_internal.h"

#endif
