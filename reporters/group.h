/*
 * group.h - related findings: the pieces of one credential, so that reports can show them as
 * one entry while keeping each finding.
 *
 * A group is formed by findings of one place (the same target, path and commit) that are pieces
 * of the same credential by their kinds, each within a few lines of the previous one:
 *   - an AWS access key id and its secret access key (at most one of each, within 10 lines);
 *   - the shares of one Vault init output: unseal or recovery key shares and the initial root
 *     token (at most one root token, each within 20 lines of the previous piece);
 *   - the pieces of one kubeconfig: client key, client certificate, token, password (kinds
 *     "kubeconfig_*", within 50 lines).
 * A certificate and its key are one finding already (link_keypair.c, PEM bundles). A group's id
 * is the smallest finding id among its members: stable while its members are, and derived from
 * the salted fingerprints only. Findings with no related piece are in no group.
 *
 * Use: fbs_groups_add() for each finding in report order (the finding is read during the call
 * only), fbs_groups_finish(), then ask by the order of addition.
 */
#ifndef FBS_GROUP_H
#define FBS_GROUP_H

#include <stddef.h>

#include "../scanner/model/finding.h"

struct fbs_group_item {
    char *place;       /* target, path and commit, joined; NULL: groups with nothing */
    unsigned line;     /* 0 unknown */
    int family;        /* 0: none */
    int piece;         /* within the family; pieces flagged unique appear once per group */
    char id[33];       /* the finding's id */
    size_t first;      /* the index of the group's first member (in order of addition) */
    size_t members;    /* the size of the item's group (1: alone) */
    const char *group; /* the group's id, or NULL when alone (points into an item) */
};

struct fbs_groups {
    struct fbs_group_item *items;
    size_t n, cap;
};

#define FBS_GROUPS_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Remember what grouping needs of f. 0 or FBS_ENOMEM. */
int fbs_groups_add(struct fbs_groups *g, const struct fbs_finding *f);
/* Form the groups. 0 or FBS_ENOMEM. */
int fbs_groups_finish(struct fbs_groups *g);
/* The group id of the i-th finding added, or NULL when it is in no group. */
const char *fbs_groups_id(const struct fbs_groups *g, size_t i);
/* Free everything; the struct is left empty. */
void fbs_groups_release(struct fbs_groups *g);

#endif
