/* Memory helpers of the library: freeing what a struct owns in one statement,
 * and growing an array by doubling (the pattern of every list the readers and
 * the model build up). */
#include <stdlib.h>

#include "base/base_internal.h"

void mem_free_all(void *const *ptrs, size_t n)
{
    for (size_t i = 0; i < n; i++) free(ptrs[i]);
}

int mem_grow(void **array, size_t *cap, size_t n, size_t elem, size_t first)
{
    size_t c;
    void *p;
    if (n < *cap) return NNV_OK;
    c = *cap ? 2 * *cap : first;
    if (c <= n || c > (size_t)-1 / elem) return NNV_ENOMEM;
    if (!(p = realloc(*array, c * elem))) return NNV_ENOMEM;
    *array = p;
    *cap = c;
    return NNV_OK;
}
