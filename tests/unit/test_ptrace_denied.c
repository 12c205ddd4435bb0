/* attach's permission errors: each cause gets its own message (ms_ptrace_denied_message),
 * and the facts are read from /proc for a real process. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "mapsize.h"
#include "source.h"

static const char *msg(struct ms_ptrace_facts f)
{
	static char buf[512];

	ms_ptrace_denied_message(&f, buf, sizeof(buf));
	return buf;
}

int main(void)
{
	struct ms_ptrace_facts base = {
	    .pid = 1, .yama_scope = 0, .target_uid = 1000, .my_uid = 1000, .target_user = "alice"};
	struct ms_ptrace_facts f;
	char user[64];

	f = base;
	f.yama_scope = 1;
	CHECK_STR(msg(f),
	          "attach to 1: ptrace not permitted (kernel.yama.ptrace_scope=1: only a parent "
	          "may trace; run as root, with CAP_SYS_PTRACE, or set ptrace_scope to 0)",
	          "ptrace_scope 1 names the sysctl and the ways out");
	f.yama_scope = 2;
	CHECK_STR(msg(f),
	          "attach to 1: ptrace not permitted (kernel.yama.ptrace_scope=2: only with "
	          "CAP_SYS_PTRACE; run as root or with CAP_SYS_PTRACE)",
	          "ptrace_scope 2 asks for CAP_SYS_PTRACE");
	f.yama_scope = 3;
	f.cap_sys_ptrace = true;
	CHECK_STR(msg(f),
	          "attach to 1: ptrace not permitted (kernel.yama.ptrace_scope=3: ptrace is "
	          "disabled until the next boot)",
	          "ptrace_scope 3 refuses even CAP_SYS_PTRACE");
	f = base;
	f.yama_scope = 1;
	f.target_uid = 0;
	f.target_user = "root";
	CHECK_STR(msg(f),
	          "attach to 1: ptrace not permitted (the process belongs to user root (uid 0) "
	          "and mapsize runs as uid 1000: run as that user, as root, or with "
	          "CAP_SYS_PTRACE)",
	          "another user's process says whose it is (before ptrace_scope)");
	f.target_user = NULL;
	CHECK(strstr(msg(f), "belongs to uid 0 and") != NULL, "an unknown user name: the uid");
	f = base;
	f.tracer = 4242;
	CHECK(strstr(msg(f), "traced already, by pid 4242") != NULL, "another tracer is named");
	f = base;
	f.cap_sys_ptrace = true;
	f.target_uid = 0;
	CHECK(strstr(msg(f), "though mapsize has CAP_SYS_PTRACE") != NULL,
	      "refused with CAP_SYS_PTRACE: a security module or container");
	f = base;
	CHECK(strstr(msg(f), "not dumpable") != NULL, "same user, no Yama: not dumpable");

	/* the facts of this process, read from /proc */
	ms_ptrace_facts_read(getpid(), &f, user, sizeof(user));
	CHECK(f.pid == getpid() && f.target_uid == (long)getuid() && f.my_uid == (long)geteuid(),
	      "the facts of this process: its uid (%ld)", f.target_uid);
	CHECK(f.tracer == 0, "not traced");
	CHECK(f.yama_scope == -1 ? access("/proc/sys/kernel/yama/ptrace_scope", F_OK) != 0
	                         : f.yama_scope >= 0 && f.yama_scope <= 3,
	      "ptrace_scope read when Yama is there (%d)", f.yama_scope);
	return tap_done();
}
