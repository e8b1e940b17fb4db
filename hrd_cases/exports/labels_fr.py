"""French catalogue of the exports, written as EU French texts write it: "défenseurs des droits
de l'homme", "femmes défenseurs des droits de l'homme", "démarche", "HR/VP". Keys are the
English messages (see labels.py); placeholders in braces are kept as they are."""

_MESSAGES: dict[str, str] = {
    # Titles and headings
    "Quarterly aggregate export: protection of human rights defenders": (
        "Statistiques trimestrielles : protection des défenseurs des droits de l'homme"
    ),
    "Protecting human rights defenders: {quarter}": (
        "Protection des défenseurs des droits de l'homme : {quarter}"
    ),
    "About": "À propos",
    "Quarter": "Trimestre",
    "Period": "Période",
    "Period: {period}.": "Période : {period}.",
    "{start} to {end}": "du {start} au {end}",
    "Disclosure control": "Contrôle de la divulgation",
    "Method": "Méthode",
    "Definitions": "Définitions",
    "Definition": "Définition",
    "Tables": "Tableaux",
    "Headline": "Chiffres clés",
    "Headline figures": "Chiffres clés",
    "Summary": "Synthèse",
    "Change": "Évolution",
    "Year to date ({quarters})": "Depuis le début de l'année ({quarters})",
    "By region": "Par région",
    "By country": "Par pays",
    "Country": "Pays",
    "Region": "Région",
    "All countries": "Tous pays",
    "All countries, by category": "Tous pays, par catégorie",
    "Table {number}": "Tableau {number}",
    "Table {number} by region": "Tableau {number} par région",
    "Table {number}: {caption}": "Tableau {number} : {caption}",
    "{measure}, by region": "{measure}, par région",
    "withheld": "non publié",
    "What the figures say": "Ce que disent les chiffres",
    "Withheld figures: what may and may not be said": (
        "Chiffres non publiés : ce qui peut être dit et ce qui ne peut pas l'être"
    ),
    "Annex: method": "Annexe : méthode",
    "Annex: definitions": "Annexe : définitions",
    "Quarter {quarter} ({period}). Disclosure control with k = {k}: '{mark}' marks a withheld "
    "figure.": (
        "Trimestre {quarter} ({period}). Contrôle de la divulgation avec k = {k} : « {mark} » "
        "signale un chiffre non publié."
    ),
    # Release status
    "PROVISIONAL PREVIEW, NOT A RELEASE: {quarter} is not released; these figures will change "
    "and must not be published or quoted.": (
        "APERÇU PROVISOIRE, NON PUBLIÉ : le trimestre {quarter} n'est pas publié ; ces chiffres "
        "vont changer et ne doivent être ni publiés ni cités."
    ),
    "Release {quarter}, version {version}, released {date}.": (
        "Publication {quarter}, version {version}, publiée le {date}."
    ),
    "Release {quarter}, version {version}.": "Publication {quarter}, version {version}.",
    "Revision: {reason}": "Révision : {reason}",
    # Lists
    "{first} and {last}": "{first} et {last}",
    "{what} ({n})": "{what} ({n})",
    # Regions
    "Africa": "Afrique",
    "Americas": "Amériques",
    "Asia and Pacific": "Asie et Pacifique",
    "Europe and Central Asia": "Europe et Asie centrale",
    "Middle East and North Africa": "Moyen-Orient et Afrique du Nord",
    "Asia": "Asie",
    "Europe": "Europe",
    "Oceania": "Océanie",
    "Unassigned": "Non attribué",
    # Table 1
    "Cases opened, by defender profile category": (
        "Dossiers ouverts, par catégorie de profil du défenseur"
    ),
    "case-category pairs": "couples dossier-catégorie",
    "Cases opened (intake) in the period, counted once under each profile category recorded for "
    "the case. A case may have several categories, so the total counts case-category pairs, not "
    "cases.": (
        "Dossiers ouverts (enregistrement) au cours de la période, comptés une fois dans chaque "
        "catégorie de profil enregistrée pour le dossier. Un dossier pouvant relever de plusieurs "
        "catégories, le total compte des couples dossier-catégorie, et non des dossiers."
    ),
    "Women HRDs": "Femmes défenseurs des droits de l'homme",
    "Environmental and land": "Environnement et foncier",
    "LGBTI": "LGBTI",
    "Indigenous peoples": "Peuples autochtones",
    "Journalists and media workers": "Journalistes et professionnels des médias",
    "Lawyers": "Avocats",
    "Trade unionists": "Syndicalistes",
    "Academics": "Universitaires",
    "Other": "Autre",
    "Total (category mentions)": "Total (mentions de catégories)",
    # Table 2
    "Threats recorded, by type": "Menaces enregistrées, par type",
    "case-threat pairs": "couples dossier-menace",
    "Threat types recorded at intake for the cases opened in the period, counted once per type "
    "and case. The total counts case-threat pairs, not cases.": (
        "Types de menaces enregistrés à l'ouverture des dossiers ouverts au cours de la période, "
        "comptés une fois par type et par dossier. Le total compte des couples dossier-menace, "
        "et non des dossiers."
    ),
    "Judicial harassment": "Harcèlement judiciaire",
    "Arbitrary detention": "Détention arbitraire",
    "Physical attack": "Agression physique",
    "Threats and intimidation": "Menaces et intimidation",
    "Surveillance": "Surveillance",
    "Smear campaign": "Campagne de dénigrement",
    "Travel ban": "Interdiction de voyager",
    "Enforced disappearance": "Disparition forcée",
    "Killing of a relative": "Meurtre d'un proche",
    "Total (threat mentions)": "Total (mentions de menaces)",
    # Table 3a
    "Referrals requested, by protection mechanism": (
        "Saisines demandées, par mécanisme de protection"
    ),
    "referrals": "saisines",
    "Referrals to a protection mechanism submitted for decision (requested) in the period.": (
        "Saisines d'un mécanisme de protection soumises pour décision (demandées) au cours de la "
        "période."
    ),
    "EU HRD mechanism": "Mécanisme de l'UE pour les défenseurs des droits de l'homme",
    "EU emergency fund": "Fonds d'urgence de l'UE",
    "Member State temporary relocation": "Relocalisation temporaire par un État membre",
    "Shelter city": "Ville refuge",
    "UN special procedures": "Procédures spéciales des Nations unies",
    "Total referrals requested": "Total des saisines demandées",
    # Table 3b
    "Referrals requested, by assistance type": "Saisines demandées, par type d'aide",
    "referral-assistance pairs": "couples saisine-aide",
    "Assistance types asked for in the referrals requested in the period (the EU HRD "
    "mechanism's emergency grant categories). A referral may ask for several types, so the "
    "total counts referral-type pairs.": (
        "Types d'aide demandés dans les saisines de la période (les catégories de subventions "
        "d'urgence du mécanisme de l'UE pour les défenseurs des droits de l'homme). Une saisine "
        "pouvant porter sur plusieurs types, le total compte des couples saisine-type."
    ),
    "Physical security": "Sécurité physique",
    "Digital security": "Sécurité numérique",
    "Communications": "Communications",
    "Security capacity building": "Renforcement des capacités en matière de sécurité",
    "Secure transportation": "Transport sécurisé",
    "Legal": "Juridique",
    "Medical and psycho-social": "Médical et psychosocial",
    "Humanitarian and family support": "Aide humanitaire et soutien familial",
    "Urgent relocation": "Relocalisation d'urgence",
    "Urgent monitoring and advocacy": "Suivi et plaidoyer urgents",
    "Total (assistance mentions)": "Total (mentions d'aide)",
    # Table 3c
    "Referral decisions and amount approved": "Décisions sur les saisines et montant approuvé",
    "Referrals decided in the period: approved (including those since delivered or closed after "
    "delivery) or rejected. Amount approved: the sum in EUR of the amounts of the approved "
    "referrals, published only where the count of approved referrals is.": (
        "Saisines ayant fait l'objet d'une décision au cours de la période : approuvées (y "
        "compris celles exécutées depuis ou clôturées après exécution) ou rejetées. Montant "
        "approuvé : la somme en euros des montants des saisines approuvées, publiée seulement là "
        "où le nombre de saisines approuvées l'est."
    ),
    "Approved": "Approuvées",
    "Rejected": "Rejetées",
    "Total referrals decided": "Total des saisines tranchées",
    "Amount approved (EUR)": "Montant approuvé (EUR)",
    # Table 4
    "Trial observation: hearings observed, by outcome": (
        "Observation des procès : audiences observées, par issue"
    ),
    "hearings": "audiences",
    "Hearings recorded as observed in the period (observed, with or without a report filed "
    "since), by the outcome recorded for the hearing.": (
        "Audiences enregistrées comme observées au cours de la période (observées, avec ou sans "
        "rapport déposé depuis), selon l'issue enregistrée pour l'audience."
    ),
    "Postponed": "Reportée",
    "Acquitted": "Acquittement",
    "Convicted": "Condamnation",
    "Dismissed": "Non-lieu",
    "Outcome not recorded": "Issue non enregistrée",
    "Total hearings observed": "Total des audiences observées",
    # Table 5
    "Public statements published, by level": "Déclarations publiques publiées, par niveau",
    "statements": "déclarations",
    "Statements and démarches published in the period, by level.": (
        "Déclarations et démarches publiées au cours de la période, par niveau."
    ),
    "Local EU statement": "Déclaration locale de l'UE",
    "HR/VP spokesperson": "Porte-parole du HR/VP",
    "Private démarche": "Démarche confidentielle",
    "Social media": "Réseaux sociaux",
    "Total published": "Total publié",
    # Table 6a
    "Timeliness: from intake to referral decision": (
        "Délais : de l'ouverture du dossier à la décision sur la saisine"
    ),
    "Referrals decided in the period. Median days from the case's intake to the decision on the "
    "referral. Decided within the deadline: decided within the referral decision deadline "
    "(hours from request to decision) of the strategy template version the case was opened "
    "under. Share: decided within the deadline / decided, in percent.": (
        "Saisines tranchées au cours de la période. Nombre médian de jours entre l'ouverture du "
        "dossier et la décision sur la saisine. Tranchées dans le délai : tranchées dans le "
        "délai de décision (en heures, de la demande à la décision) fixé par la version du "
        "modèle de stratégie sous laquelle le dossier a été ouvert. Part : tranchées dans le "
        "délai / tranchées, en pourcentage."
    ),
    "Referrals decided": "Saisines tranchées",
    "Decided within deadline": "Tranchées dans le délai",
    "Decided after deadline": "Tranchées après le délai",
    "Share within deadline (%)": "Part dans le délai (%)",
    "Median days intake to decision": "Jours médians de l'ouverture à la décision",
    # Table 6b
    "Timeliness: from referral decision to delivery": (
        "Délais : de la décision sur la saisine à l'exécution"
    ),
    "Referrals delivered in the period. Median days from the (approval) decision to the "
    "delivery of the assistance.": (
        "Saisines exécutées au cours de la période. Nombre médian de jours entre la décision "
        "(d'approbation) et la fourniture de l'aide."
    ),
    "Referrals delivered": "Saisines exécutées",
    "Median days decision to delivery": "Jours médians de la décision à l'exécution",
    # Table 7 and the headline
    "Defenders at risk registered, cases opened and closed": (
        "Défenseurs en danger enregistrés, dossiers ouverts et clôturés"
    ),
    "defenders or cases": "défenseurs ou dossiers",
    "Defenders registered: the defenders concerned by the cases opened in the period, each "
    "counted once per country; of whom women human rights defenders: those of them on a case "
    "recorded with that profile. Cases opened: cases opened (intake) in the period. Cases "
    "closed: cases whose current closure falls in the period (a case reopened since is not "
    "counted).": (
        "Défenseurs enregistrés : les défenseurs concernés par les dossiers ouverts au cours de "
        "la période, chacun compté une fois par pays ; dont femmes défenseurs des droits de "
        "l'homme : celles d'entre eux dont le dossier porte ce profil. Dossiers ouverts : "
        "dossiers ouverts (enregistrement) au cours de la période. Dossiers clôturés : dossiers "
        "dont la clôture en vigueur tombe dans la période (un dossier rouvert depuis n'est pas "
        "compté)."
    ),
    "Defenders at risk registered": "Défenseurs en danger enregistrés",
    "Of whom women human rights defenders": "Dont femmes défenseurs des droits de l'homme",
    "Cases opened": "Dossiers ouverts",
    "Cases closed": "Dossiers clôturés",
    "Referrals requested": "Saisines demandées",
    "Referrals approved": "Saisines approuvées",
    "Amount granted (EUR)": "Montant accordé (EUR)",
    "Hearings observed": "Audiences observées",
    "Statements published": "Déclarations publiées",
    # Phrases inside sentences
    "women human rights defenders": "les femmes défenseurs des droits de l'homme",
    "environmental and land defenders": (
        "les défenseurs de l'environnement et des droits fonciers"
    ),
    "LGBTI defenders": "les défenseurs des droits des personnes LGBTI",
    "indigenous peoples' defenders": "les défenseurs des droits des peuples autochtones",
    "journalists and media workers": "les journalistes et professionnels des médias",
    "lawyers": "les avocats",
    "trade unionists": "les syndicalistes",
    "academics": "les universitaires",
    "judicial harassment": "le harcèlement judiciaire",
    "arbitrary detention": "la détention arbitraire",
    "physical attacks": "les agressions physiques",
    "threats and intimidation": "les menaces et l'intimidation",
    "surveillance": "la surveillance",
    "smear campaigns": "les campagnes de dénigrement",
    "travel bans": "les interdictions de voyager",
    "enforced disappearance": "la disparition forcée",
    "the killing of a relative": "le meurtre d'un proche",
    "the EU HRD mechanism": ("le mécanisme de l'UE pour les défenseurs des droits de l'homme"),
    "the EU emergency fund": "le fonds d'urgence de l'UE",
    "Member State temporary relocation programmes": (
        "les programmes de relocalisation temporaire des États membres"
    ),
    "shelter cities": "les villes refuges",
    "the UN special procedures": "les procédures spéciales des Nations unies",
    "physical security": "la sécurité physique",
    "digital security": "la sécurité numérique",
    "communications": "les communications",
    "security capacity building": "le renforcement des capacités en matière de sécurité",
    "secure transportation": "le transport sécurisé",
    "legal support": "l'aide juridique",
    "medical and psycho-social support": "l'aide médicale et psychosociale",
    "humanitarian and family support": "l'aide humanitaire et le soutien familial",
    "urgent relocation": "la relocalisation d'urgence",
    "urgent monitoring and advocacy": "le suivi et le plaidoyer urgents",
    "postponement": "le report",
    "acquittal": "l'acquittement",
    "conviction": "la condamnation",
    "dismissal": "le non-lieu",
    "local EU statements": "les déclarations locales de l'UE",
    "statements by the HR/VP spokesperson": "les déclarations du porte-parole du HR/VP",
    "private démarches": "les démarches confidentielles",
    "social media posts": "les publications sur les réseaux sociaux",
    # Summaries
    "The cases opened this quarter recorded {n} defender profiles (a case can have several).": (
        "Les dossiers ouverts ce trimestre comptent {n} profils de défenseurs (un dossier peut "
        "en compter plusieurs)."
    ),
    "The number of defender profiles recorded this quarter is withheld to protect the "
    "defenders concerned.": (
        "Le nombre de profils de défenseurs enregistrés ce trimestre n'est pas publié, afin de "
        "protéger les défenseurs concernés."
    ),
    "The profiles recorded most often were {top}.": (
        "Les profils les plus fréquents étaient {top}."
    ),
    "Delegations recorded {n} threats against the defenders of the cases opened this quarter "
    "(a case can record several).": (
        "Les délégations ont enregistré {n} menaces contre les défenseurs des dossiers ouverts "
        "ce trimestre (un dossier peut en compter plusieurs)."
    ),
    "The number of threats recorded this quarter is withheld to protect the defenders concerned.": (
        "Le nombre de menaces enregistrées ce trimestre n'est pas publié, afin de protéger les "
        "défenseurs concernés."
    ),
    "The threats recorded most often were {top}.": (
        "Les menaces les plus fréquentes étaient {top}."
    ),
    "Delegations referred {n} requests for support to protection mechanisms this quarter.": (
        "Les délégations ont adressé {n} demandes de soutien à des mécanismes de protection ce "
        "trimestre."
    ),
    "The number of referrals to protection mechanisms this quarter is withheld to protect the "
    "defenders concerned.": (
        "Le nombre de saisines de mécanismes de protection ce trimestre n'est pas publié, afin "
        "de protéger les défenseurs concernés."
    ),
    "They went most often to {top}.": "Elles ont été adressées le plus souvent à {top}.",
    "These requests asked for {n} types of assistance (a request can ask for several).": (
        "Ces demandes portaient sur {n} types d'aide (une demande peut en viser plusieurs)."
    ),
    "The number of types of assistance requested this quarter is withheld to protect the "
    "defenders concerned.": (
        "Le nombre de types d'aide demandés ce trimestre n'est pas publié, afin de protéger les "
        "défenseurs concernés."
    ),
    "The types of assistance asked for most often were {top}.": (
        "Les types d'aide les plus demandés étaient {top}."
    ),
    "Delegations and Member State embassies observed {n} trial hearings this quarter.": (
        "Les délégations et les ambassades des États membres ont observé {n} audiences de "
        "procès ce trimestre."
    ),
    "The number of trial hearings observed this quarter is withheld to protect the defenders "
    "concerned.": (
        "Le nombre d'audiences de procès observées ce trimestre n'est pas publié, afin de "
        "protéger les défenseurs concernés."
    ),
    "The outcomes recorded most often were {top}.": (
        "Les issues les plus fréquentes étaient {top}."
    ),
    "The EU published {n} public statements and démarches on defenders' cases this quarter.": (
        "L'UE a publié {n} déclarations publiques et démarches sur des cas de défenseurs ce "
        "trimestre."
    ),
    "The number of statements published this quarter is withheld to protect the defenders "
    "concerned.": (
        "Le nombre de déclarations publiées ce trimestre n'est pas publié, afin de protéger les "
        "défenseurs concernés."
    ),
    "The forms used most often were {top}.": "Les formes les plus utilisées étaient {top}.",
    "{approved} referrals were approved and {rejected} rejected this quarter.": (
        "{approved} saisines ont été approuvées et {rejected} rejetées ce trimestre."
    ),
    "{approved} referrals were approved this quarter.": (
        "{approved} saisines ont été approuvées ce trimestre."
    ),
    "The number of referrals approved this quarter is withheld to protect the defenders "
    "concerned.": (
        "Le nombre de saisines approuvées ce trimestre n'est pas publié, afin de protéger les "
        "défenseurs concernés."
    ),
    "The grants approved amount to EUR {amount} in all.": (
        "Les subventions approuvées s'élèvent au total à {amount} EUR."
    ),
    "The number of referrals decided this quarter is withheld to protect the defenders "
    "concerned.": (
        "Le nombre de saisines tranchées ce trimestre n'est pas publié, afin de protéger les "
        "défenseurs concernés."
    ),
    "{n} referrals were decided this quarter.": "{n} saisines ont été tranchées ce trimestre.",
    "{share}% of them were decided within the deadline set by the country strategy.": (
        "{share} % d'entre elles l'ont été dans le délai fixé par la stratégie par pays."
    ),
    "Half were decided within {days} days of the case being opened.": (
        "La moitié l'ont été dans les {days} jours suivant l'ouverture du dossier."
    ),
    "The number of referrals delivered this quarter is withheld to protect the defenders "
    "concerned.": (
        "Le nombre de saisines exécutées ce trimestre n'est pas publié, afin de protéger les "
        "défenseurs concernés."
    ),
    "{n} referrals were delivered this quarter.": "{n} saisines ont été exécutées ce trimestre.",
    "Half were delivered within {days} days of the decision.": (
        "La moitié l'ont été dans les {days} jours suivant la décision."
    ),
    "Delegations registered {n} defenders at risk this quarter, {women} of them women human "
    "rights defenders.": (
        "Les délégations ont enregistré {n} défenseurs en danger ce trimestre, dont {women} "
        "femmes défenseurs des droits de l'homme."
    ),
    "Delegations registered {n} defenders at risk this quarter.": (
        "Les délégations ont enregistré {n} défenseurs en danger ce trimestre."
    ),
    "The number of defenders at risk registered this quarter is withheld to protect them.": (
        "Le nombre de défenseurs en danger enregistrés ce trimestre n'est pas publié, afin de "
        "les protéger."
    ),
    "{opened} cases were opened and {closed} closed.": (
        "{opened} dossiers ont été ouverts et {closed} clôturés."
    ),
    "{opened} cases were opened.": "{opened} dossiers ont été ouverts.",
    "{closed} cases were closed.": "{closed} dossiers ont été clôturés.",
    "Protection mechanisms received {n} requests for support.": (
        "Les mécanismes de protection ont reçu {n} demandes de soutien."
    ),
    "{n} were approved, for EUR {amount} in all.": (
        "{n} ont été approuvées, pour un montant total de {amount} EUR."
    ),
    "{n} were approved.": "{n} ont été approuvées.",
    "Support was delivered for {n} referrals.": "Le soutien a été apporté pour {n} saisines.",
    "Delegations observed {n} trial hearings.": (
        "Les délégations ont observé {n} audiences de procès."
    ),
    "The EU published {n} public statements and démarches.": (
        "L'UE a publié {n} déclarations publiques et démarches."
    ),
    "That is {n} more defenders than in {quarter}.": (
        "C'est {n} défenseurs de plus qu'au trimestre {quarter}."
    ),
    "That is {n} fewer defenders than in {quarter}.": (
        "C'est {n} défenseurs de moins qu'au trimestre {quarter}."
    ),
    "That is as many defenders as in {quarter}.": (
        "C'est autant de défenseurs qu'au trimestre {quarter}."
    ),
    # What may and may not be said
    "Figures shown as 'x' are withheld to protect the defenders concerned: they may be small "
    "(from 1 to {k_minus_one}), or hidden so that a small figure cannot be worked out from the "
    "others, and some may be zero.": (
        "Les chiffres marqués « x » ne sont pas publiés afin de protéger les défenseurs "
        "concernés : ils peuvent être faibles (de 1 à {k_minus_one}) ou masqués pour qu'un "
        "chiffre faible ne puisse être déduit des autres, et certains peuvent être nuls."
    ),
    "Do not say or imply a withheld figure, a range for it, or that it is small, and do not "
    "compute one by subtracting published figures: the published figures are built so that "
    "this does not work, and a guess can still point at a person.": (
        "Ne pas indiquer ni laisser entendre un chiffre non publié, une fourchette ou le fait "
        "qu'il soit faible, et ne pas le calculer par soustraction de chiffres publiés : les "
        "chiffres publiés sont construits pour que cela échoue, et une supposition peut "
        "néanmoins désigner une personne."
    ),
    "It is correct to say that a figure is not published for the protection of defenders, and "
    "to quote any published total, including totals that contain withheld figures.": (
        "Il est correct de dire qu'un chiffre n'est pas publié pour protéger les défenseurs, et "
        "de citer tout total publié, y compris les totaux qui comprennent des chiffres non "
        "publiés."
    ),
    'Quote a figure with its quarter and release version (for example "{quarter}, version '
    '{version}"): a revised release can change it.': (
        "Citer un chiffre avec son trimestre et sa version de publication (par exemple "
        "« {quarter}, version {version} ») : une publication révisée peut le modifier."
    ),
    # Method
    "In plain words: no count below {k} is shown, and the hidden counts cannot be worked out "
    "from the figures that are shown, not even to within {p} either way.": (
        "En clair : aucun effectif inférieur à {k} n'est publié, et les effectifs masqués ne "
        "peuvent pas être déduits des chiffres publiés, pas même à {p} près."
    ),
    "Primary suppression: every count from 1 to {k_minus_one} (k = {k}) is suppressed and "
    "shown as '{mark}'.": (
        "Secret primaire : tout effectif de 1 à {k_minus_one} (k = {k}) est masqué et affiché "
        "« {mark} »."
    ),
    "Secondary suppression: every published total (row totals, region rows, the all-countries "
    "row, the total shared by tables 3c and 6a) is an equation with the cells it sums. First, "
    "no equation may hold exactly one suppressed cell. Then every zero member of an equation "
    "whose total is suppressed is suppressed too, so that there '{mark}' may mean zero; "
    "anywhere else a suppressed count is at least 1.": (
        "Secret secondaire : chaque total publié (totaux de ligne, lignes régionales, ligne "
        "« tous pays », total commun aux tableaux 3c et 6a) forme une équation avec les cellules "
        "qu'il additionne. D'abord, aucune équation ne peut contenir exactement une cellule "
        "masquée. Ensuite, tout terme nul d'une équation dont le total est masqué est masqué "
        "lui aussi, de sorte que « {mark} » puisse y valoir zéro ; partout ailleurs, un effectif "
        "masqué vaut au moins 1."
    ),
    "Audit: an integer program over every published figure, every equation, and those lower "
    "bounds gives the tightest range an outsider can put on each suppressed count (HiGHS "
    "solver). For a suppressed count v below k, the range must contain v - {p} (or 1) to "
    "v + {p} (protection interval p = {p}), and no suppressed cell may be pinned to one value. "
    "Until it passes, one more published cell of a failing equation is suppressed (the "
    "smallest non-zero one; the total first when the range is too high) and the audit is run "
    "again. The choice is deterministic: the same data give the same output.": (
        "Audit : un programme en nombres entiers portant sur chaque chiffre publié, chaque "
        "équation et ces bornes inférieures donne l'intervalle le plus étroit qu'un tiers puisse "
        "attribuer à chaque effectif masqué (solveur HiGHS). Pour un effectif masqué v inférieur "
        "à k, cet intervalle doit contenir v - {p} (ou 1) à v + {p} (intervalle de protection "
        "p = {p}), et aucune cellule masquée ne peut être réduite à une seule valeur. Tant que "
        "l'audit échoue, une cellule publiée de plus d'une équation en défaut est masquée (la "
        "plus petite non nulle ; le total d'abord lorsque l'intervalle est trop haut) et l'audit "
        "est relancé. Le choix est déterministe : les mêmes données donnent le même résultat."
    ),
    "The headline figures are cells of the tables (the defenders and cases of table 7, the "
    "totals of tables 3a, 4 and 5, the approved referrals of table 3c, the deliveries of table "
    "6b), protected with them. The comparisons with earlier quarters add up published figures "
    "of earlier releases only; a sum that would include a withheld figure is withheld.": (
        "Les chiffres clés sont des cellules des tableaux (défenseurs et dossiers du tableau 7, "
        "totaux des tableaux 3a, 4 et 5, saisines approuvées du tableau 3c, exécutions du "
        "tableau 6b) et sont protégés avec eux. Les comparaisons avec les trimestres précédents "
        "n'additionnent que des chiffres publiés dans des publications antérieures ; une somme "
        "qui comprendrait un chiffre non publié n'est pas publiée."
    ),
    "Amounts are published for all countries together only (each grant has a ceiling, so a "
    "country's amount would bound its count). Medians and shares are suppressed wherever the "
    "count they are based on is suppressed. '{not_applicable}' marks a median or share with "
    "no case to base it on, or a comparison with a quarter that has no release.": (
        "Les montants ne sont publiés que pour l'ensemble des pays (chaque subvention étant "
        "plafonnée, le montant d'un pays encadrerait son effectif). Les médianes et les parts "
        "sont masquées partout où l'effectif sur lequel elles reposent l'est. « "
        "{not_applicable} » signale une médiane ou une part sans aucun cas sur lequel la fonder, "
        "ou une comparaison avec un trimestre non publié."
    ),
    "Figures are computed from the categories stored in the clear only; no name, contact, "
    "narrative or report is read, and the export needs no decryption key.": (
        "Les chiffres sont calculés à partir des seules catégories conservées en clair ; aucun "
        "nom, contact, récit ou rapport n'est lu, et l'export ne nécessite aucune clé de "
        "déchiffrement."
    ),
    # Definitions
    "A calendar quarter in UTC. Events are counted when their date falls in the quarter. A "
    "release is computed once, after the quarter has closed and late entries have come in; "
    "every later download is the same file.": (
        "Un trimestre civil, en temps universel (UTC). Un événement est compté lorsque sa date "
        "tombe dans le trimestre. Une publication est calculée une seule fois, après la clôture "
        "du trimestre et la saisie des entrées tardives ; tout téléchargement ultérieur donne le "
        "même fichier."
    ),
    "The country a case concerns (ISO 3166-1 alpha-2 code). Every table lists the same "
    "countries: those with at least one figure in any table of the quarter.": (
        "Le pays concerné par un dossier (code ISO 3166-1 alpha-2). Tous les tableaux "
        "présentent les mêmes pays : ceux qui ont au moins un chiffre dans un tableau du "
        "trimestre."
    ),
    "The EEAS geographic divisions (Africa; Americas; Asia and Pacific; Europe and Central "
    "Asia; Middle East and North Africa) unless the instance chose the UN M49 regions, from the "
    "country code by the regions file in config/regions/; codes outside it are 'Unassigned'. "
    "Each country row names its region.": (
        "Les divisions géographiques du SEAE (Afrique ; Amériques ; Asie et Pacifique ; Europe "
        "et Asie centrale ; Moyen-Orient et Afrique du Nord), sauf si l'instance a choisi les "
        "régions M49 des Nations unies, déterminées à partir du code pays par le fichier des "
        "régions de config/regions/ ; les codes qui n'y figurent pas sont « Non attribué ». "
        "Chaque ligne de pays indique sa région."
    ),
    "Days": "Jours",
    "Elapsed time in days (24 hours), median over the referrals concerned, rounded to one "
    "decimal.": (
        "Durée écoulée en jours (de 24 heures), médiane sur les saisines concernées, arrondie à "
        "une décimale."
    ),
    "Defenders at risk registered, cases opened and closed, referrals requested, approved and "
    "delivered, the amount granted, hearings observed and statements published, by region and "
    "for all countries; compared with the previous quarter's release and summed over the "
    "releases of the year so far.": (
        "Défenseurs en danger enregistrés, dossiers ouverts et clôturés, saisines demandées, "
        "approuvées et exécutées, montant accordé, audiences observées et déclarations "
        "publiées, par région et pour l'ensemble des pays ; comparés à la publication du "
        "trimestre précédent et cumulés sur les publications de l'année en cours."
    ),
    "CSV layout": "Structure du fichier CSV",
    "One UTF-8 file (with byte-order mark, for spreadsheets) in long form: one figure per line, "
    "with its table, region, country, measure, value, flag (why a value is empty: suppressed or "
    "not applicable) and status. Text cells that a spreadsheet could read as a formula start "
    "with an apostrophe.": (
        "Un fichier UTF-8 (avec indicateur d'ordre des octets, pour les tableurs) en format "
        "long : un chiffre par ligne, avec son tableau, sa région, son pays, sa mesure, sa "
        "valeur, son indicateur (pourquoi une valeur est vide : masquée ou sans objet) et son "
        "statut. Les cellules de texte qu'un tableur pourrait lire comme une formule commencent "
        "par une apostrophe. Les noms de colonnes et les codes restent en anglais."
    ),
    # The annual report
    "Annual report {year}: protection of human rights defenders": (
        "Rapport annuel {year} : protection des défenseurs des droits de l'homme"
    ),
    "Year {year}": "Année {year}",
    "{quarter} version {version}": "{quarter} version {version}",
    "Built from the releases {releases}; a year's figure is the sum of its quarters' published "
    "figures, and is withheld ('{mark}') when any of them is.": (
        "Établi à partir des publications {releases} ; le chiffre de l'année est la somme des "
        "chiffres publiés de ses trimestres, et n'est pas publié (« {mark} ») si l'un d'eux ne "
        "l'est pas."
    ),
    "In {year}, delegations registered {n} defenders at risk, {women} of them women human "
    "rights defenders.": (
        "En {year}, les délégations ont enregistré {n} défenseurs en danger, dont {women} femmes "
        "défenseurs des droits de l'homme."
    ),
    "In {year}, delegations registered {n} defenders at risk.": (
        "En {year}, les délégations ont enregistré {n} défenseurs en danger."
    ),
    "Figures shown as '{mark}' are withheld to protect the defenders concerned; do not "
    "estimate them from the others.": (
        "Les chiffres marqués « {mark} » ne sont pas publiés afin de protéger les défenseurs "
        "concernés ; ne pas les estimer à partir des autres."
    ),
}


def _typography(text: str) -> str:
    for plain, fixed in (
        (" :", "\u00a0:"),
        (" ;", "\u00a0;"),
        ("« ", "«\u00a0"),
        (" »", "\u00a0»"),
    ):
        text = text.replace(plain, fixed)
    return text


FRENCH: dict[str, str] = {english: _typography(french) for english, french in _MESSAGES.items()}
