/* elements.c: element symbols and the isotope masses used for frequencies and
 * the centre of mass (spec section 1: the most abundant isotope, as Gaussian and Psi4). */
#include <ctype.h>
#include <string.h>

#include <nnvib.h>

/* Masses in u from NIST "Atomic Weights and Isotopic Compositions" (AME 2016
 * values, the table Psi4/QCElemental ship), most abundant isotope; the comment
 * names the isotope. Elements without a stable isotope (Tc, Pm, Po and beyond
 * Bi except Th and U) use the isotope NIST gives in brackets, the longest-lived
 * one (for Tc, 98Tc and 97Tc live equally long within their uncertainties).
 * For those we store that isotope's AME atomic mass rather than its bare mass
 * number: an approximation either way, since no natural abundance exists, but
 * the real mass keeps the values consistent with Psi4. Og: AME 2016 mass of 294Og. */
static const struct {
    const char *symbol;
    double mass;
} element_table[NNV_MAX_Z] = {
    {"H", 1.00782503223}, /*   1 1H */
    {"He", 4.00260325413}, /*   2 4He */
    {"Li", 7.0160034366}, /*   3 7Li */
    {"Be", 9.012183065}, /*   4 9Be */
    {"B", 11.00930536}, /*   5 11B */
    {"C", 12.0}, /*   6 12C */
    {"N", 14.00307400443}, /*   7 14N */
    {"O", 15.99491461957}, /*   8 16O */
    {"F", 18.99840316273}, /*   9 19F */
    {"Ne", 19.9924401762}, /*  10 20Ne */
    {"Na", 22.989769282}, /*  11 23Na */
    {"Mg", 23.985041697}, /*  12 24Mg */
    {"Al", 26.98153853}, /*  13 27Al */
    {"Si", 27.97692653465}, /*  14 28Si */
    {"P", 30.97376199842}, /*  15 31P */
    {"S", 31.9720711744}, /*  16 32S */
    {"Cl", 34.968852682}, /*  17 35Cl */
    {"Ar", 39.9623831237}, /*  18 40Ar */
    {"K", 38.9637064864}, /*  19 39K */
    {"Ca", 39.962590863}, /*  20 40Ca */
    {"Sc", 44.95590828}, /*  21 45Sc */
    {"Ti", 47.94794198}, /*  22 48Ti */
    {"V", 50.94395704}, /*  23 51V */
    {"Cr", 51.94050623}, /*  24 52Cr */
    {"Mn", 54.93804391}, /*  25 55Mn */
    {"Fe", 55.93493633}, /*  26 56Fe */
    {"Co", 58.93319429}, /*  27 59Co */
    {"Ni", 57.93534241}, /*  28 58Ni */
    {"Cu", 62.92959772}, /*  29 63Cu */
    {"Zn", 63.92914201}, /*  30 64Zn */
    {"Ga", 68.9255735}, /*  31 69Ga */
    {"Ge", 73.921177761}, /*  32 74Ge */
    {"As", 74.92159457}, /*  33 75As */
    {"Se", 79.9165218}, /*  34 80Se */
    {"Br", 78.9183376}, /*  35 79Br */
    {"Kr", 83.9114977282}, /*  36 84Kr */
    {"Rb", 84.9117897379}, /*  37 85Rb */
    {"Sr", 87.9056125}, /*  38 88Sr */
    {"Y", 88.9058403}, /*  39 89Y */
    {"Zr", 89.9046977}, /*  40 90Zr */
    {"Nb", 92.906373}, /*  41 93Nb */
    {"Mo", 97.90540482}, /*  42 98Mo */
    {"Tc", 97.9072124}, /*  43 98Tc, longest-lived */
    {"Ru", 101.9043441}, /*  44 102Ru */
    {"Rh", 102.905498}, /*  45 103Rh */
    {"Pd", 105.9034804}, /*  46 106Pd */
    {"Ag", 106.9050916}, /*  47 107Ag */
    {"Cd", 113.90336509}, /*  48 114Cd */
    {"In", 114.903878776}, /*  49 115In */
    {"Sn", 119.90220163}, /*  50 120Sn */
    {"Sb", 120.903812}, /*  51 121Sb */
    {"Te", 129.906222748}, /*  52 130Te */
    {"I", 126.9044719}, /*  53 127I */
    {"Xe", 131.9041550856}, /*  54 132Xe */
    {"Cs", 132.905451961}, /*  55 133Cs */
    {"Ba", 137.905247}, /*  56 138Ba */
    {"La", 138.9063563}, /*  57 139La */
    {"Ce", 139.9054431}, /*  58 140Ce */
    {"Pr", 140.9076576}, /*  59 141Pr */
    {"Nd", 141.907729}, /*  60 142Nd */
    {"Pm", 144.9127559}, /*  61 145Pm, longest-lived */
    {"Sm", 151.9197397}, /*  62 152Sm */
    {"Eu", 152.921238}, /*  63 153Eu */
    {"Gd", 157.9241123}, /*  64 158Gd */
    {"Tb", 158.9253547}, /*  65 159Tb */
    {"Dy", 163.9291819}, /*  66 164Dy */
    {"Ho", 164.9303288}, /*  67 165Ho */
    {"Er", 165.9302995}, /*  68 166Er */
    {"Tm", 168.9342179}, /*  69 169Tm */
    {"Yb", 173.9388664}, /*  70 174Yb */
    {"Lu", 174.9407752}, /*  71 175Lu */
    {"Hf", 179.946557}, /*  72 180Hf */
    {"Ta", 180.9479958}, /*  73 181Ta */
    {"W", 183.95093092}, /*  74 184W */
    {"Re", 186.9557501}, /*  75 187Re */
    {"Os", 191.961477}, /*  76 192Os */
    {"Ir", 192.9629216}, /*  77 193Ir */
    {"Pt", 194.9647917}, /*  78 195Pt */
    {"Au", 196.96656879}, /*  79 197Au */
    {"Hg", 201.9706434}, /*  80 202Hg */
    {"Tl", 204.9744278}, /*  81 205Tl */
    {"Pb", 207.9766525}, /*  82 208Pb */
    {"Bi", 208.9803991}, /*  83 209Bi */
    {"Po", 208.9824308}, /*  84 209Po, longest-lived */
    {"At", 209.9871479}, /*  85 210At, longest-lived */
    {"Rn", 222.0175782}, /*  86 222Rn, longest-lived */
    {"Fr", 223.019736}, /*  87 223Fr, longest-lived */
    {"Ra", 226.0254103}, /*  88 226Ra, longest-lived */
    {"Ac", 227.0277523}, /*  89 227Ac, longest-lived */
    {"Th", 232.0380558}, /*  90 232Th */
    {"Pa", 231.0358842}, /*  91 231Pa, longest-lived */
    {"U", 238.0507884}, /*  92 238U */
    {"Np", 237.0481736}, /*  93 237Np, longest-lived */
    {"Pu", 244.0642053}, /*  94 244Pu, longest-lived */
    {"Am", 243.0613813}, /*  95 243Am, longest-lived */
    {"Cm", 247.0703541}, /*  96 247Cm, longest-lived */
    {"Bk", 247.0703073}, /*  97 247Bk, longest-lived */
    {"Cf", 251.0795886}, /*  98 251Cf, longest-lived */
    {"Es", 252.08298}, /*  99 252Es, longest-lived */
    {"Fm", 257.0951061}, /* 100 257Fm, longest-lived */
    {"Md", 258.0984315}, /* 101 258Md, longest-lived */
    {"No", 259.10103}, /* 102 259No, longest-lived */
    {"Lr", 266.11983}, /* 103 266Lr, longest-lived */
    {"Rf", 267.12179}, /* 104 267Rf, longest-lived */
    {"Db", 268.12567}, /* 105 268Db, longest-lived */
    {"Sg", 271.13393}, /* 106 271Sg, longest-lived */
    {"Bh", 270.13336}, /* 107 270Bh, longest-lived */
    {"Hs", 269.13375}, /* 108 269Hs, longest-lived */
    {"Mt", 278.15631}, /* 109 278Mt, longest-lived */
    {"Ds", 281.16451}, /* 110 281Ds, longest-lived */
    {"Rg", 282.16912}, /* 111 282Rg, longest-lived */
    {"Cn", 285.17712}, /* 112 285Cn, longest-lived */
    {"Nh", 286.18221}, /* 113 286Nh, longest-lived */
    {"Fl", 289.19042}, /* 114 289Fl, longest-lived */
    {"Mc", 289.19363}, /* 115 289Mc, longest-lived */
    {"Lv", 293.20449}, /* 116 293Lv, longest-lived */
    {"Ts", 294.21046}, /* 117 294Ts, longest-lived */
    {"Og", 294.21392}, /* 118 294Og, longest-lived */
};

const char *nnv_element_symbol(int Z)
{
    if (Z < 1 || Z > NNV_MAX_Z) return NULL;
    return element_table[Z - 1].symbol;
}

double nnv_element_mass(int Z)
{
    if (Z < 1 || Z > NNV_MAX_Z) return 0.0;
    return element_table[Z - 1].mass;
}

int nnv_element_from_symbol(const char *symbol)
{
    size_t n;
    if (!symbol) return 0;
    n = strlen(symbol);
    if (n == 0 || n > 3) return 0;
    if (isdigit((unsigned char)symbol[0])) {
        /* Plain decimal atomic number: digits only, no sign, no leading zero. */
        int Z = 0;
        if (symbol[0] == '0') return 0;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)symbol[i])) return 0;
            Z = 10 * Z + (symbol[i] - '0');
        }
        return Z <= NNV_MAX_Z ? Z : 0;
    }
    for (int Z = 1; Z <= NNV_MAX_Z; Z++) {
        const char *s = element_table[Z - 1].symbol;
        size_t i;
        if (strlen(s) != n) continue;
        for (i = 0; i < n; i++)
            if (tolower((unsigned char)s[i]) != tolower((unsigned char)symbol[i])) break;
        if (i == n) return Z;
    }
    return 0;
}

/* Isotopes selectable by label (--mass 2=D): masses in u from the same NIST
 * table as above, so "1H", "12C" and "16O" give exactly the default masses. */
static const struct {
    const char *label; /* mass number and symbol, as written by chemists */
    int Z;
    double mass;
} isotope_table[] = {
    {"1H", 1, 1.00782503223},    {"2H", 1, 2.01410177812},    {"3H", 1, 3.0160492779},
    {"12C", 6, 12.0},            {"13C", 6, 13.00335483507},  {"14C", 6, 14.0032419884},
    {"14N", 7, 14.00307400443},  {"15N", 7, 15.00010889888},  {"16O", 8, 15.99491461957},
    {"17O", 8, 16.99913175650},  {"18O", 8, 17.99915961286},  {"19F", 9, 18.99840316273},
    {"32S", 16, 31.9720711744},  {"34S", 16, 33.967867004},   {"35Cl", 17, 34.968852682},
    {"37Cl", 17, 36.965902602},
};

int nnv_isotope_mass(const char *label, int *Z, double *mass, nnv_error *err)
{
    const char *name = label;
    if (!label || !Z || !mass) return nnv_error_set(err, NNV_EUSAGE, "isotope: NULL argument");
    /* D and T are the hydrogen isotopes' own symbols. */
    if ((label[0] == 'D' || label[0] == 'd') && !label[1]) name = "2H";
    else if ((label[0] == 'T' || label[0] == 't') && !label[1]) name = "3H";
    for (size_t i = 0; i < sizeof isotope_table / sizeof isotope_table[0]; i++) {
        const char *t = isotope_table[i].label;
        size_t k = 0;
        while (t[k] && name[k] && tolower((unsigned char)t[k]) == tolower((unsigned char)name[k])) k++;
        if (t[k] == '\0' && name[k] == '\0') {
            *Z = isotope_table[i].Z;
            *mass = isotope_table[i].mass;
            return NNV_OK;
        }
    }
    return nnv_error_set(err, NNV_EINPUT,
                         "isotope '%.32s': unknown label (known: D, T and 1H 2H 3H 12C 13C 14C 14N 15N 16O 17O 18O "
                         "19F 32S 34S 35Cl 37Cl)", label);
}
