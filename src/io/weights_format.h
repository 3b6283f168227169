/* The constants of the weights.bin byte layout (docs/nnp-format.md sections 3
 * and 5), shared by its reader (potential_io.c) and writer (potential_write.c). */
#ifndef NNVIB_WEIGHTS_FORMAT_H
#define NNVIB_WEIGHTS_FORMAT_H

#include "model/model_internal.h"

#define MAGIC "NNVIBW01"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1u           /* one potential */
#define FORMAT_VERSION_COMMITTEE 2u /* a committee (flag bit 1) and/or a novelty block (bit 2) */
#define COMMITTEE_BLOCK_BYTES (4 + 4 + 8) /* n_members, kind, spread_scale */
#define MAX_DESCRIPTION 65536u
#define MAX_SF 4096u
#define MAX_LAYERS 64u
#define MAX_LAYER_SIZE 4096u
#define SF_RECORD_BYTES (4 * 4 + 10 * 8)
#define SF_ZJ_OFFSET 4 /* byte offsets of Zj and Zk inside an SF record */
#define SF_ZK_OFFSET 8

#endif
