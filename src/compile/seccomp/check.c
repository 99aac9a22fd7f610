/*
 * Seccomp programs after compilation: the verification every program
 * passes before it is handed out or installed, the worst-case path, a run
 * in moat's VM, and installation into the kernel.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <moat/seccomp.h>
#include <moat/verify.h>
#include <moat/vm.h>

#include "util/cleanup.h"

int moat_seccomp_verify(const struct moat_cbpf_insn *insns, size_t n, struct moat_error *err)
{
	int r = moat_cbpf_check(insns, n, true, err);
	if (r < 0)
		return r;
	struct moat_prog *prog = moat_cbpf_to_ebpf(insns, n, MOAT_PROG_SECCOMP, err);
	if (!prog)
		return -(err && err->errnum ? err->errnum : EINVAL);
	r = moat_verify(prog, NULL, NULL, err);
	moat_prog_free(prog);
	return r;
}

/*
 * Every jump goes forward, so the longest run ending in a return is one
 * backward pass: len[i] = 1 + the longer of the successors' lengths.
 */
size_t moat_seccomp_worst_path(const struct moat_cbpf_insn *insns, size_t n)
{
	if (!n)
		return 0;
	MOAT_AUTO(free) size_t *len = calloc(n + 1, sizeof(*len));
	if (!len)
		return 0;
	for (size_t i = n; i-- > 0;) {
		uint16_t c = insns[i].code;
		size_t a = 0, b = 0;
		if (BPF_CLASS(c) == BPF_RET) {
			len[i] = 1;
			continue;
		}
		if (BPF_CLASS(c) != BPF_JMP) {
			a = i + 1 < n ? len[i + 1] : 0;
		} else if (BPF_OP(c) == BPF_JA) {
			size_t t = i + 1 + insns[i].k;
			a = t < n ? len[t] : 0;
		} else {
			size_t t = i + 1 + insns[i].jt, f = i + 1 + insns[i].jf;
			a = t < n ? len[t] : 0;
			b = f < n ? len[f] : 0;
		}
		len[i] = 1 + (a > b ? a : b);
	}
	return len[0];
}

int moat_seccomp_run(const struct moat_cbpf_insn *insns, size_t n,
		     const struct moat_seccomp_data *data, uint32_t *action, struct moat_error *err)
{
	struct moat_vm *vm = moat_vm_new(NULL, err);
	struct moat_prog *prog = vm ? moat_cbpf_to_ebpf(insns, n, MOAT_PROG_SECCOMP, err) : NULL;
	struct moat_exec *ex = prog ? moat_exec_new(vm, prog, NULL, err) : NULL;
	struct moat_seccomp_data copy = *data;
	uint64_t r0 = 0;
	int r = ex ? moat_exec_run(ex, &copy, sizeof(copy), &r0, err) : -EINVAL;
	if (r == 0)
		*action = (uint32_t)r0;
	else if (err && err->errnum)
		r = -err->errnum;
	moat_exec_free(ex);
	moat_prog_free(prog);
	moat_vm_free(vm);
	return r;
}

/*
 * Installation.  The program is verified again here: this is the trust
 * boundary, and a caller may pass a program that did not come from
 * moat_seccomp_compile().  PR_SET_NO_NEW_PRIVS comes first because the
 * kernel refuses a filter from a task without CAP_SYS_ADMIN unless it is
 * set, and because it keeps set-uid binaries from regaining what the
 * filter takes away; it is inherited across fork and execve and cannot be
 * unset.  The filter itself cannot be removed either.
 */
int moat_seccomp_install(const struct moat_cbpf_insn *insns, size_t n, unsigned int flags,
			 struct moat_error *err)
{
	int r = moat_seccomp_verify(insns, n, err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return moat_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = (struct sock_filter *)insns };
	_Static_assert(sizeof(struct sock_filter) == sizeof(struct moat_cbpf_insn), "sock_filter");
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	if (rc < 0)
		return moat_error_set(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER): %s",
				      strerror(errno));
	if (rc > 0) /* SECCOMP_FILTER_FLAG_TSYNC: the id of a thread that could not be synced */
		return moat_error_set(err, ESRCH, "seccomp: thread %ld could not take the filter", rc);
	return 0;
}
