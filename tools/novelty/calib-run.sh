#!/bin/sh
# calib-run.sh POT TAG: `nnvib --opt --json` of each molecule named in shipped.txt and
# heldout.txt (in the current folder) at its GFN2-xTB minimum from the HCNO library
# ($HCNO_TREE/molecules/hcno/xyz, issue 18), two at a time, into json-TAG/ (docs/novelty.md).
# NNVIB_BUILD: the build folder [.].
set -u
pot=$1 tag=$2
lib=${HCNO_TREE:?set HCNO_TREE to a tree holding molecules/hcno}/molecules/hcno/xyz
nnvib=${NNVIB_BUILD:-.}/nnvib
mkdir -p "json-$tag"
for n in $(cat shipped.txt heldout.txt); do
    [ -f "$lib/$n.xyz" ] && echo "$n"
done | xargs -P2 -I{} sh -c "'$nnvib' --opt --json '$lib/{}.xyz' '$pot' >json-$tag/{}.json 2>json-$tag/{}.err; echo \$? >json-$tag/{}.rc"
