/*
 * main.c - tandem.exe: Tandem's command for people and scripts (issue 5 point 6; issue 8 adds
 * profile, send, sync, ls, show, export, import, check, install).
 *
 * Commands form a tree of `command` entries (tandem.h): a group dispatches on its next argument,
 * a leaf runs. Help is uniform: `tandem --help`, `tandem <group> --help`, `tandem <cmd> --help`
 * and `tandem help <cmd>...` all print the entry's usage. A new command is one `command` in its
 * own file and one line in `commands` below.
 */
#include <stdio.h>
#include <string.h>

#include "tandem.h"

static const command *const commands[] = {
#ifdef _WIN32
    &profile_command,
    &send_command,
    &sync_command,
    &ls_command,
    &show_command,
    &export_command,
    &import_command,
    &check_command,
    &install_command,
    &uninstall_command,
#endif
    &mime_command,
    NULL,
};

static const command top = {
    "tandem", "Tandem's command line",
    "usage: tandem <command> [<args>]\n"
    "       tandem help <command>...   (or: tandem <command> --help)\n"
    "\n"
    "Every command takes --help; the MAPI commands take --json (one JSON document on stdout)\n"
    "and --profile NAME (default: the default profile).\n"
    "\n"
    "Exit status: 0 success, 1 the operation failed (the reason is one line on stderr),\n"
    "2 usage error, 3 not found (profile, folder, item, recipient, installed MAPI),\n"
    "4 'tandem check' found problems it did not repair.",
    NULL, commands,
};

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "-?") || !strcmp(a, "/?");
}

static void print_help(FILE *f, const command *c)
{
    size_t i;

    fprintf(f, "%s\n", c->usage);
    if (c->children) {
        fprintf(f, "\ncommands:\n");
        for (i = 0; c->children[i]; i++)
            fprintf(f, "  %-12s %s\n", c->children[i]->name, c->children[i]->summary);
    }
}

static int dispatch(const command *c, int argc, char **argv, int help)
{
    int i;

    if (!c->children) {
        for (i = 1; i < argc && !help; i++)
            help = is_help(argv[i]);
        if (help) {
            print_help(stdout, c);
            return EXIT_OK;
        }
        return c->run(argc, argv);
    }
    if (argc < 2 || is_help(argv[1])) {
        print_help(argc < 2 && !help ? stderr : stdout, c);
        return argc < 2 && !help ? EXIT_USAGE : EXIT_OK;
    }
    for (i = 0; c->children[i]; i++)
        if (!strcmp(c->children[i]->name, argv[1]))
            return dispatch(c->children[i], argc - 1, argv + 1, help);
    error_line("unknown command '%s' (see 'tandem --help')", argv[1]);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    utf8_args(&argc, &argv);
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("tandem 0.1\n");
        return EXIT_OK;
    }
    if (argc >= 2 && !strcmp(argv[1], "help")) {
        if (argc == 2) {
            print_help(stdout, &top);
            return EXIT_OK;
        }
        return dispatch(&top, argc - 1, argv + 1, 1);
    }
    return dispatch(&top, argc, argv, 0);
}
