/* nnvib-train (stub) */
#include "train.h"
int main(void) { return 0; }
