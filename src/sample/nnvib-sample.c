/* nnvib-sample (stub) */
#include "sample.h"
int main(void) { return 0; }
