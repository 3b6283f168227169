#include "json.h"
typedef int json_stub_;
