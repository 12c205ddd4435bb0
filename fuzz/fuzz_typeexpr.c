/* Fuzz the Go type expression parser: any bytes, every arch, with definitions. */
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ms_typeenv *env = NULL;
	const char *nl;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ms_error_destroy(ms_typeenv_create(&env));
	/* "NAME=EXPR\nTYPE": the first line, if it has '=', is a definition */
	nl = strchr(text, '\n');
	if (nl && memchr(text, '=', (size_t)(nl - text))) {
		char *line = strndup(text, (size_t)(nl - text));
		char *eq = line ? strchr(line, '=') : NULL;

		if (eq) {
			*eq = '\0';
			ms_error_destroy(ms_typeenv_define(env, line, eq + 1));
		}
		free(line);
	}
	for (int a = 0; a < MS_ARCH__COUNT; a++) {
		struct ms_map_type mt;
		struct ms_type_layout l;
		char *canon = NULL;
		struct ms_error *err = ms_map_type_parse(text, env, (enum ms_arch)a, &mt);

		if (!err)
			ms_map_type_deinit(&mt);
		ms_error_destroy(err);
		err = ms_type_parse(nl ? nl + 1 : text, env, (enum ms_arch)a, &l, &canon);
		free(canon);
		ms_error_destroy(err);
	}
	ms_typeenv_destroy(env);
	free(text);
	return 0;
}
