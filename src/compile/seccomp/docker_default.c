/* placeholder */
#include "compile/seccomp/policy.h"

const char sc_docker_default_text[] = "default errno EPERM\n";
