/*
 * pause: the process that holds a pod sandbox's namespaces open.
 *
 * Written for nginx-service's e2e images (tests/e2e/images/build.sh). It runs as PID 1 of the
 * sandbox's PID namespace, so it must do three things and nothing else:
 *   - wait forever without using CPU;
 *   - reap any child that gets reparented to it (zombies would otherwise pile up);
 *   - exit 0 on SIGINT or SIGTERM. PID 1 of a namespace gets no default signal action, so without
 *     handlers the runtime's SIGTERM would be dropped and every sandbox stop would need SIGKILL.
 * The signals are blocked and taken synchronously with sigwaitinfo(), so no work happens inside a
 * signal handler; the handlers exist only so that the kernel delivers (does not discard) them.
 * Built with gcc -static: the image holds this one file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void noop(int sig) { (void)sig; }

static void say(const char *msg) {
    ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
    (void)ignored;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        say("nginx-service pause 1\n");
        return 0;
    }
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGCHLD);

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = noop;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) != 0 || sigaction(SIGTERM, &action, NULL) != 0 ||
        sigaction(SIGCHLD, &action, NULL) != 0 || sigprocmask(SIG_BLOCK, &wanted, NULL) != 0) {
        say("pause: cannot set up signals\n");
        return 1;
    }

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&wanted, &info);
        if (sig < 0) {
            if (errno == EINTR) continue;
            say("pause: sigwaitinfo failed\n");
            return 1;
        }
        if (sig == SIGINT || sig == SIGTERM) return 0;
        /* SIGCHLD: several exits may have been merged into one signal, so reap until none is left. */
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
    }
}
