/*
 * chdb_shim runs SQL on chdb (ClickHouse as a library, libchdb.so from the
 * npm package @chdb/lib-linux-x64-gnu) for the modern-dialect test in
 * store/clickhouse (chdb_test.go), which compiles it with the system's C
 * compiler. The library is opened with dlopen, so nothing is linked at
 * build time and no header is needed: the few entry points used are
 * declared here with opaque pointers.
 *
 * usage: chdb_shim LIBCHDB.so DATA_DIR
 *
 * Requests on stdin, one after another: "FORMAT LENGTH\n" then LENGTH bytes
 * of SQL. Each answer on stdout: "OK LENGTH\n" and the result in FORMAT, or
 * "ERR LENGTH\n" and the error message. One session serves every request,
 * so tables persist between them (under DATA_DIR).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *conn_t;
typedef void *result_t;

static void answer(const char *status, const char *buf, size_t len) {
	printf("%s %zu\n", status, len);
	if (len > 0)
		fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: chdb_shim LIBCHDB.so DATA_DIR\n");
		return 2;
	}
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "chdb_shim: dlopen %s: %s\n", argv[1], dlerror());
		return 2;
	}
	conn_t *(*connect)(int, char **) = (conn_t *(*)(int, char **))dlsym(lib, "chdb_connect");
	result_t (*query)(conn_t, const char *, const char *) =
		(result_t(*)(conn_t, const char *, const char *))dlsym(lib, "chdb_query");
	char *(*buffer)(result_t) = (char *(*)(result_t))dlsym(lib, "chdb_result_buffer");
	size_t (*length)(result_t) = (size_t(*)(result_t))dlsym(lib, "chdb_result_length");
	const char *(*error)(result_t) = (const char *(*)(result_t))dlsym(lib, "chdb_result_error");
	void (*destroy)(result_t) = (void (*)(result_t))dlsym(lib, "chdb_destroy_query_result");
	void (*closeconn)(conn_t *) = (void (*)(conn_t *))dlsym(lib, "chdb_close_conn");
	if (!connect || !query || !buffer || !length || !error || !destroy || !closeconn) {
		fprintf(stderr, "chdb_shim: %s lacks the chdb_connect API\n", argv[1]);
		return 2;
	}
	size_t pathlen = strlen(argv[2]) + 8;
	char *path = malloc(pathlen);
	snprintf(path, pathlen, "--path=%s", argv[2]);
	char *args[] = {"clickhouse", path, NULL};
	conn_t *conn = connect(2, args);
	if (!conn || !*conn) {
		fprintf(stderr, "chdb_shim: chdb_connect failed\n");
		return 2;
	}

	char format[64];
	size_t n;
	while (scanf("%63s %zu", format, &n) == 2) {
		if (getchar() != '\n') {
			fprintf(stderr, "chdb_shim: malformed request header\n");
			return 2;
		}
		char *sql = malloc(n + 1);
		if (!sql || fread(sql, 1, n, stdin) != n) {
			fprintf(stderr, "chdb_shim: short request\n");
			return 2;
		}
		sql[n] = 0;
		result_t r = query(*conn, sql, format);
		free(sql);
		const char *e = r ? error(r) : "chdb_query returned no result";
		if (e && *e)
			answer("ERR", e, strlen(e));
		else
			answer("OK", buffer(r), length(r));
		if (r)
			destroy(r);
	}
	closeconn(conn);
	return 0;
}
