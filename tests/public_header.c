/* Compiles the public header alone, as C99 with -pedantic. */
#include "mapsize.h"

int main(void)
{
	return ms_arch_info(MS_ARCH_AMD64)->ptr_bytes == 8 ? 0 : 1;
}
