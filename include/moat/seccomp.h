/*
 * Seccomp policies: a profile (moat's text format or Docker/OCI JSON) is
 * parsed into a policy, compiled to a classic BPF program for x86-64
 * (architecture check, balanced search over syscall numbers, 64-bit
 * argument comparisons), proven by moat's verifier, and installed with
 * seccomp(2).  docs/seccomp.md describes both profile formats.
 *
 * Actions are the kernel's SECCOMP_RET_* values (<linux/seccomp.h>):
 * MOAT_SECCOMP_ALLOW, MOAT_SECCOMP_ERRNO(e), ...  The low 16 bits carry the
 * errno or trace data.
 */
#ifndef MOAT_SECCOMP_H
#define MOAT_SECCOMP_H

#include <moat/cbpf.h>

#define MOAT_SECCOMP_KILL_PROCESS 0x80000000u
#define MOAT_SECCOMP_KILL_THREAD 0x00000000u
#define MOAT_SECCOMP_TRAP 0x00030000u
#define MOAT_SECCOMP_ERRNO(e) (0x00050000u | ((uint32_t)(e) & 0xffffu))
#define MOAT_SECCOMP_TRACE(d) (0x7ff00000u | ((uint32_t)(d) & 0xffffu))
#define MOAT_SECCOMP_LOG 0x7ffc0000u
#define MOAT_SECCOMP_ALLOW 0x7fff0000u
#define MOAT_SECCOMP_ACTION_MASK 0xffff0000u

/* AUDIT_ARCH_X86_64: the only architecture a compiled filter lets through. */
#define MOAT_SECCOMP_ARCH_X86_64 0xc000003eu
/* x32 syscalls are x86-64 numbers with this bit set; filters block them. */
#define MOAT_SECCOMP_X32_BIT 0x40000000u

/* The layout of the kernel's struct seccomp_data, what a filter reads. */
struct moat_seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};
_Static_assert(sizeof(struct moat_seccomp_data) == 64, "struct seccomp_data is 64 bytes");

/* A parsed profile.  Opaque; free with moat_seccomp_policy_free(). */
struct moat_seccomp_policy;

enum moat_seccomp_format {
	MOAT_SECCOMP_FORMAT_AUTO, /* JSON when the first non-blank byte is '{', else text */
	MOAT_SECCOMP_FORMAT_TEXT, /* moat's profile language */
	MOAT_SECCOMP_FORMAT_JSON, /* Docker/OCI (moby) JSON */
};

struct moat_seccomp_parse_opts {
	size_t sz;
	enum moat_seccomp_format format;
	/* The capabilities the container keeps, for JSON includes/excludes
	 * "caps" and the text format's "with CAP"/"without CAP": comma-separated
	 * ("CAP_SYS_ADMIN,net_raw"), "all" or "none"; NULL = Docker's 14 default
	 * capabilities; "keep" leaves the conditions in the rules (for printing;
	 * such a policy does not compile). */
	const char *caps;
	/* JSON "minKernel": the kernel version as "X.Y"; NULL = the running kernel. */
	const char *kernel;
};

/*
 * Parses the profile in text[0..len) (need not be NUL-terminated); `name`
 * is the file name used in error positions (may be NULL).  Syscall names
 * the table does not know are skipped in JSON (as runc and crun do) and are
 * an error in the text format.  Returns NULL on error, with err giving
 * file:line:col and the message.  opts may be NULL.  Free the result with
 * moat_seccomp_policy_free().
 */
MOAT_API struct moat_seccomp_policy *
moat_seccomp_parse(const char *text, size_t len, const char *name,
		   const struct moat_seccomp_parse_opts *opts, struct moat_error *err);

/* As moat_seccomp_parse(), reading the file at `path`. */
MOAT_API struct moat_seccomp_policy *
moat_seccomp_load(const char *path, const struct moat_seccomp_parse_opts *opts,
		  struct moat_error *err);

/*
 * The profile built into libmoat: Docker's default profile resolved for
 * amd64, Docker's default capabilities and a current kernel, in moat's text
 * format (moat_seccomp_docker_default_text()).  Free with
 * moat_seccomp_policy_free().  NULL only on allocation failure.
 */
MOAT_API struct moat_seccomp_policy *moat_seccomp_docker_default(struct moat_error *err);

/*
 * The built-in profile resolved for opts->caps (the container's capability
 * set, as moat_seccomp_parse_opts describes it; NULL opts: Docker's
 * defaults): capabilities beyond Docker's defaults widen it exactly as
 * Docker's JSON profile would (CAP_SYS_ADMIN allows mount, CAP_SYS_PTRACE
 * ptrace, ...).  NULL only on allocation failure.
 */
MOAT_API struct moat_seccomp_policy *moat_seccomp_builtin(const struct moat_seccomp_parse_opts *opts,
							  struct moat_error *err);

/* The text of the built-in profile (static storage). */
MOAT_API const char *moat_seccomp_docker_default_text(void);

/* Frees a policy.  NULL is allowed. */
MOAT_API void moat_seccomp_policy_free(struct moat_seccomp_policy *policy);

/*
 * What the policy decides for one syscall, by its plain definition (rules
 * tried in order, first match wins, else the default action) rather than
 * by running compiled code: the reference the compiler is tested against.
 * Includes the architecture check, the x32 block and the ENOSYS answer for
 * numbers above the table (see moat_seccomp_compile()).
 */
MOAT_API uint32_t moat_seccomp_policy_eval(const struct moat_seccomp_policy *policy,
					   const struct moat_seccomp_data *data);

/* The default action of the policy. */
MOAT_API uint32_t moat_seccomp_policy_default(const struct moat_seccomp_policy *policy);

/*
 * Prints the policy in moat's text format (parsing the output gives the
 * same policy).  Returns a malloc'd string the caller frees, or NULL on
 * allocation failure.
 */
MOAT_API char *moat_seccomp_policy_text(const struct moat_seccomp_policy *policy,
					struct moat_error *err);

struct moat_seccomp_compile_opts {
	size_t sz;
	/* Replace every ALLOW of the program by this action (0 = keep ALLOW).
	 * Tests use an ERRNO marker to see, in the kernel, which syscalls the
	 * filter would allow without running them. */
	uint32_t allow_as;
};

struct moat_seccomp_stats {
	size_t insns;         /* program length */
	size_t worst_path;    /* most instructions any run executes, ret included */
	size_t syscalls;      /* syscall numbers with a rule */
	size_t ranges;        /* number ranges the search tree tells apart */
};

/*
 * Compiles the policy to a classic BPF program for x86-64:
 *   - arch != AUDIT_ARCH_X86_64, and x32 numbers (bit 30 set): kill the process;
 *   - a balanced search over syscall-number ranges, each leaf a return or a
 *     block of 64-bit argument comparisons;
 *   - numbers above the table's highest (syscalls newer than moat's table)
 *     get ERRNO(ENOSYS) unless the default action is ALLOW or LOG, so libc
 *     falls back as it does on an older kernel.
 * The program passes moat_cbpf_check(seccomp) and moat's verifier (through
 * moat_cbpf_to_ebpf(MOAT_PROG_SECCOMP)) before it is returned.
 * *insns receives a malloc'd array the caller frees with free(), *n its
 * length.  opts and stats may be NULL.  Returns 0 or a negative errno.
 */
MOAT_API int moat_seccomp_compile(const struct moat_seccomp_policy *policy,
				  const struct moat_seccomp_compile_opts *opts,
				  struct moat_cbpf_insn **insns, size_t *n,
				  struct moat_seccomp_stats *stats, struct moat_error *err);

/*
 * Checks a seccomp program as moat_seccomp_compile() does before returning
 * it: moat_cbpf_check(seccomp) then moat_verify() of its eBPF translation.
 * Returns 0 or a negative errno with err naming the instruction.
 */
MOAT_API int moat_seccomp_verify(const struct moat_cbpf_insn *insns, size_t n,
				 struct moat_error *err);

/*
 * The longest run of the program in instructions (the return included):
 * the worst-case cost of one syscall.  0 for an empty program.
 */
MOAT_API size_t moat_seccomp_worst_path(const struct moat_cbpf_insn *insns, size_t n);

/*
 * Runs the program on `data` in moat's VM (verified, interpreted) and
 * stores the action in *action.  Returns 0 or a negative errno.
 */
MOAT_API int moat_seccomp_run(const struct moat_cbpf_insn *insns, size_t n,
			      const struct moat_seccomp_data *data, uint32_t *action,
			      struct moat_error *err);

/*
 * Installs the program as the calling thread's seccomp filter: verifies
 * it (moat_seccomp_verify()), sets PR_SET_NO_NEW_PRIVS, then calls
 * seccomp(SECCOMP_SET_MODE_FILTER, flags).  `flags` are SECCOMP_FILTER_FLAG_*
 * (0, or SECCOMP_FILTER_FLAG_TSYNC for every thread).  Irreversible: a
 * container's init calls it just before exec.  Returns 0 or a negative errno.
 */
MOAT_API int moat_seccomp_install(const struct moat_cbpf_insn *insns, size_t n,
				  unsigned int flags, struct moat_error *err);

/*
 * Formats an action as the text format spells it ("allow", "errno EPERM",
 * "kill", "trap", "log", "trace 5", "kill-thread") into buf.  Returns buf.
 */
MOAT_API const char *moat_seccomp_action_str(uint32_t action, char *buf, size_t len);

/*
 * Parses an action as the text format spells it ("allow", "errno 1",
 * "errno EPERM", "kill", ...).  Returns 0 or -EINVAL.
 */
MOAT_API int moat_seccomp_action_parse(const char *s, uint32_t *action, struct moat_error *err);

#endif
