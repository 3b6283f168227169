/* Memory helper of the library: freeing what a struct owns in one statement
 * (FREE_ALL in base_internal.h). */
#include <stdlib.h>

#include "base/base_internal.h"

void mem_free_all(void *const *ptrs, size_t n)
{
    for (size_t i = 0; i < n; i++) free(ptrs[i]);
}
