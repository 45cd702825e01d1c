# Ruche — catalogue français. Chaque message doit aussi exister dans en.ftl (un test le vérifie).
nav-home = Accueil
nav-upload = Publier
nav-my-videos = Mes vidéos
nav-my-channels = Mes chaînes
nav-registrations = Inscriptions
nav-follows = Fédération
nav-login = Se connecter
nav-logout = Se déconnecter
nav-signup = Créer un compte
nav-language = English
footer-free = Ruche est un logiciel libre (AGPL-3.0).
home-title = Vidéos récentes
home-empty = Aucune vidéo n’a encore été publiée.
home-previous = Vidéos plus récentes
home-next = Vidéos plus anciennes
home-scope = Quelles vidéos
home-scope-all = Toutes
home-scope-local = Cette instance
home-scope-federated = Autres instances
video-views = { $count ->
    [one] 1 vue
   *[other] { $count } vues
}
video-by = par { $channel }
login-title = Connexion
login-username = Nom d’utilisateur ou courriel
login-password = Mot de passe
login-submit = Se connecter
login-failed = Nom d’utilisateur ou mot de passe incorrect.
login-too-many = Trop de tentatives. Réessayez dans { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
}.
error-busy = Le serveur est occupé. Réessayez dans quelques secondes.
signup-title = Créer un compte
signup-username = Nom d’utilisateur
signup-username-help = Lettres minuscules, chiffres, points et tirets bas.
signup-email = Courriel
signup-password = Mot de passe
signup-reason = Pourquoi souhaitez-vous rejoindre cette instance ?
signup-submit = Créer mon compte
signup-closed = Les inscriptions sont fermées sur cette instance.
signup-pending = Merci ! Une personne de la modération va examiner votre demande.
signup-done = Votre compte est prêt : vous pouvez vous connecter.
signup-too-many = Trop d’inscriptions depuis votre réseau. Réessayez dans { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
}.
upload-title = Publier une vidéo
upload-file = Fichier vidéo ou audio
upload-name = Titre
upload-channel = Chaîne
upload-privacy = Visibilité
upload-description = Description (Markdown)
upload-submit = Envoyer
upload-progress = Progression de l’envoi
upload-quota = Espace restant : { $left }
upload-quota-unlimited = Pas de limite de stockage.
upload-error = L’envoi a échoué : { $reason }
upload-retrying = Connexion perdue, reprise…
privacy-1 = Publique
privacy-2 = Non listée
privacy-3 = Privée
privacy-4 = Interne
privacy-5 = Protégée par mot de passe
video-password-title = Cette vidéo est protégée par un mot de passe
video-password-prompt = Son auteur la partage avec celles et ceux qui en ont le mot de passe.
video-password-field = Mot de passe
video-password-submit = Regarder
video-password-wrong = Ce mot de passe n’est pas le bon.
watch-quality = Qualité
watch-quality-auto = Auto
watch-processing = Cette vidéo est en cours de préparation ({ $progress } %). Cette page se met à jour toute seule.
watch-failed = Cette vidéo n’a pas pu être préparée : { $reason }
watch-download = Télécharger
watch-no-js = Votre navigateur ne peut pas lire cette vidéo ici ; téléchargez-la.
watch-p2p-share = Partager avec les autres spectateurs
watch-p2p-help = Tant que cette page est ouverte, les spectateurs de cette vidéo s’en échangent des morceaux : votre adresse leur est visible. Décochez pour tout charger depuis le serveur.
watch-p2p-peers = Pairs : { $count }
watch-p2p-received = Reçu des pairs : { $size }
my-videos-title = Mes vidéos
my-videos-empty = Vous n’avez encore publié aucune vidéo.
my-videos-state = État
my-videos-delete = Supprimer
my-videos-delete-confirm = Supprimer définitivement cette vidéo ?
state-1 = Publiée
state-2 = En préparation
state-3 = En cours d’import
state-7 = Échec
channels-title = Mes chaînes
channels-create = Créer une chaîne
channels-handle = Identifiant
channels-display-name = Nom affiché
channels-description = Description
channels-support = Texte de soutien
channels-created = La chaîne a été créée.
registrations-title = Demandes d’inscription
registrations-empty = Aucune demande d’inscription.
registrations-accept = Accepter
registrations-reject = Refuser
registrations-state-1 = En attente
registrations-state-2 = Refusée
registrations-state-3 = Acceptée
error-title = Une erreur est survenue
error-not-found = Cette page n’existe pas, ou vous ne pouvez pas la voir.
error-forbidden = Vous n’avez pas le droit de faire cela.
error-disk-full = Le disque du serveur est plein : rien n’a pu être enregistré. Merci de réessayer plus tard ; l’administrateur est prévenu.
error-csrf = Ce formulaire a expiré. Merci de réessayer.
profile-channels = Chaînes
profile-videos = Vidéos
nav-my-account = Mon compte
account-title = Mon compte
account-password = Mot de passe
account-current-password = Mot de passe actuel
account-new-password = Nouveau mot de passe
account-change-password = Changer mon mot de passe
account-danger = Zone dangereuse
account-delete = Supprimer mon compte
account-delete-warning = Cela supprime votre compte et tout ce que vous avez fait : vos chaînes, vidéos, listes de lecture, commentaires et sites. Les autres instances en sont informées. Les réponses que d’autres ont écrites sous vos commentaires restent. Votre nom ne pourra plus être utilisé ici. C’est définitif.
account-delete-confirm = Tapez votre nom d’utilisateur pour confirmer
account-delete-submit = Supprimer définitivement mon compte
account-delete-mismatch = Ce n’est pas votre nom d’utilisateur : rien n’a été supprimé.
account-password-changed = Votre mot de passe a été changé. Vos autres sessions ont été fermées.
nav-my-sites = Mes sites
contact-name = Votre nom
contact-email = Votre courriel
contact-message = Votre message
contact-send = Envoyer
contact-sent-title = Message envoyé
contact-sent = Merci ! Votre message a bien été transmis.
contact-refused-title = Message non envoyé
contact-error-invalid = Merci d’indiquer votre nom, une adresse de courriel valide et votre message.
contact-error-too-fast = C’était très rapide. Prenez un instant, puis renvoyez le formulaire.
contact-error-expired = Ce formulaire a expiré. Rechargez la page et renvoyez-le.
contact-error-links = Votre message contient trop de liens.
contact-error-rate = Trop de messages pour le moment. Merci de réessayer plus tard.
contact-back = Retour au site
map-show = Afficher la carte
map-open-osm = Ouvrir dans OpenStreetMap
video-watch = Voir la vidéo
my-sites-title = Mes sites
my-sites-empty = Vous n’avez pas encore de site.
my-sites-unread = { $count ->
    [one] 1 message non lu
   *[other] { $count } messages non lus
}
inbox-title = Messages
inbox-empty = Aucun message pour l’instant.
inbox-mark-read = Marquer comme lu
inbox-mark-unread = Marquer comme non lu
inbox-delete = Supprimer
carousel-prev = Image précédente
carousel-next = Image suivante
carousel-pause = Mettre le diaporama en pause
carousel-play = Lancer le diaporama
lightbox-close = Fermer
video-play = Lire la vidéo
my-sites-create = Créer un site
my-sites-site-title = Titre du site
my-sites-slug = Adresse
my-sites-slug-help = Son adresse sera /p/votre-adresse/ : lettres minuscules, chiffres et tirets.
my-sites-language = Langue du site
my-sites-publish = Publier
my-sites-unpublish = Mettre hors ligne
my-sites-revisions = Historique
my-sites-starter-intro = Dites à vos visiteurs qui vous êtes et ce que vous faites.
revisions-title = Historique
revisions-restore = Restaurer cette version
revision-create = Créé
revision-save = Enregistré
revision-publish = Publié
revision-unpublish = Mis hors ligne
revision-import = Importé
revision-restore = Restauré
my-sites-edit = Modifier
revision-preview = Voir cette version
my-sites-delete = Supprimer
my-sites-trash = Corbeille
my-sites-trash-until = supprimé définitivement le { $date }
my-sites-undelete = Remettre

## L'éditeur de site (assets/pages/editor.js reçoit tous les messages ed-*)
video-none = Pas encore de vidéo : ouvrez les réglages pour coller son adresse.
ed-toolbar = Éditeur
ed-my-sites = Mes sites
ed-undo = Annuler
ed-redo = Rétablir
ed-theme = Couleurs et polices
ed-site = Réglages du site
ed-media = Images
ed-preview = Aperçu
ed-inbox = Messages
ed-history = Historique
ed-publish = Publier
ed-help = Aide : expliquer ce qui est sous le pointeur
ed-close = Fermer
ed-cancel = Annuler
ed-done = Terminé
ed-status-draft = Brouillon, pas encore en ligne
ed-status-pending = Modifications pas encore enregistrées…
ed-status-saving = Enregistrement…
ed-status-saved = Tout est enregistré
ed-status-published = Publié
ed-status-offline = Le serveur ne répond pas : vos modifications sont gardées ici et seront enregistrées dès qu'il répondra
ed-status-error = Non enregistré
ed-status-conflict = Modifié ailleurs
ed-published-at = Votre site est en ligne à l'adresse
ed-conflict = Ce site a été modifié dans un autre onglet ou une autre fenêtre depuis que vous l'avez ouvert. Vos modifications sont gardées ici.
ed-conflict-keep-mine = Enregistrer les miennes par-dessus
ed-conflict-take-theirs = Charger l'autre version
ed-add-here = Ajouter une section ici
ed-add-title = Ajouter une section
ed-settings = Réglages
ed-set-up = À régler
ed-drag = Glisser pour déplacer
ed-move-up = Monter
ed-move-down = Descendre
ed-duplicate = Dupliquer
ed-hide = Cacher aux visiteurs
ed-show = Montrer aux visiteurs
ed-hidden = cachée
ed-delete = Supprimer
ed-click-to-write = Cliquez pour écrire
ed-replace-image = Cliquez pour remplacer cette image
ed-format = Mise en forme du texte
ed-bold = Gras
ed-italic = Italique
ed-link = Lien
ed-list = Liste
ed-heading-big = Grand titre
ed-heading-small = Petit titre
ed-link-prompt = Adresse du lien (https://…, mailto:…)
ed-needs-contact = Ce formulaire a besoin de l'adresse e-mail où envoyer les messages.
ed-needs-map = Placez le repère : cliquez sur la carte ou tapez les coordonnées.
ed-needs-video = Collez l'adresse d'une vidéo PeerTube.
ed-needs-images = Ajoutez les images à montrer ici.
ed-needs-social = Ajoutez les adresses de vos comptes.
ed-field-title = Titre
ed-field-subtitle = Sous-titre
ed-field-heading = Titre de la section
ed-field-image = Image
ed-field-picture = Image
ed-field-focal = Point important
ed-focal-help = Cliquez sur la partie de l'image qui doit toujours rester visible.
ed-field-overlay = Assombrissement de l'image
ed-field-buttons = Boutons
ed-field-button = Afficher un bouton
ed-field-label = Texte
ed-field-href = Adresse du lien
ed-field-columns = Colonnes
ed-columns = { $count ->
    [one] Une colonne
   *[other] { $count } colonnes
}
ed-field-images = Images
ed-field-alt = Description pour qui ne peut pas la voir
ed-field-caption = Légende
ed-field-interval = Secondes par image (0 : pas de défilement automatique)
ed-field-cards = Cartes
ed-field-items = Éléments
ed-field-icon = Icône
ed-field-entries = Étapes
ed-field-date = Date
ed-field-skills = Compétences
ed-field-name = Nom
ed-field-level = Niveau
ed-field-links = Liens
ed-field-network = Réseau
ed-field-url = Adresse
ed-field-url-video = Adresse de la vidéo
ed-video-help = L'adresse de sa page sur PeerTube ou sur ce site, comme https://framatube.org/w/…
ed-video-find = Trouver la vidéo
ed-video-finding = Recherche de la vidéo…
ed-video-found = Trouvée : { $title }
ed-field-to = Adresse e-mail où envoyer les messages
ed-field-to-help = Les visiteurs ne la voient jamais ; les messages attendent aussi dans Messages.
ed-field-intro = Une phrase au-dessus du formulaire
ed-field-place = Lieu
ed-map-help = Cliquez sur la carte pour placer le repère, ou tapez ses coordonnées.
ed-map-show = Afficher la carte
ed-field-lat = Latitude
ed-field-lon = Longitude
ed-field-zoom = Zoom
ed-field-address = Adresse postale
ed-field-size = Espace
ed-field-line = Tracer une ligne
ed-field-menu = Nom dans le menu de la page
ed-menu-help = Laissez vide pour ne pas mettre cette section dans le menu.
ed-field-hidden = Cachée aux visiteurs
ed-field-description = Description (montrée par les moteurs de recherche)
ed-field-language = Langue du site
ed-field-slug = Adresse du site
ed-slug-help = Lettres minuscules, chiffres et tirets : elle devient /p/adresse/.
ed-field-social-image = Image montrée quand le site est partagé
ed-field-social_image = Image montrée quand le site est partagé
ed-field-favicon = Petite icône dans les onglets
ed-export-json = Télécharger une copie (à importer ailleurs)
ed-export-zip = Télécharger en site statique (zip)
ed-add-item = Ajouter
ed-add-pictures = Ajouter des images
ed-remove = Retirer
ed-choose-picture = Choisir une image
ed-remove-picture = Pas d'image
ed-opt-small = Petit
ed-opt-medium = Moyen
ed-opt-large = Grand
ed-opt-star = Étoile
ed-opt-heart = Cœur
ed-opt-leaf = Feuille
ed-opt-sun = Soleil
ed-opt-music = Musique
ed-opt-book = Livre
ed-opt-camera = Appareil photo
ed-opt-mail = Courrier
ed-opt-pin = Lieu
ed-opt-clock = Horloge
ed-opt-check = Coche
ed-opt-users = Personnes
ed-palettes = Couleurs
ed-palettes-help = Chaque palette garde le texte lisible sur ses fonds.
ed-font-sets = Polices
ed-font-sample = Portez ce vieux whisky au juge blond qui fume.
ed-phone = Téléphone
ed-desktop = Ordinateur
ed-upload = Envoyer des images
ed-uploaded = { $name } est dans vos images.
ed-media-help = Le nom d'une image est ce qu'entendent les visiteurs aveugles à sa place : décrivez ce qu'elle montre.
ed-picture-label = Nom (description)
ed-use-picture = Utiliser celle-ci
ed-help-intro = Pointez n'importe quoi pour savoir à quoi il sert. Échap ou « ? » pour quitter l'aide.
ed-help-undo = Annuler la dernière modification (Ctrl+Z).
ed-help-redo = Rétablir ce qui a été annulé (Ctrl+Maj+Z).
ed-help-theme = Choisir les couleurs et les polices de tout le site.
ed-help-site = Titre, description, langue, adresse et images du site.
ed-help-media = Toutes vos images, et les descriptions lues aux visiteurs aveugles.
ed-help-preview = Voir le site comme un téléphone ou un ordinateur l'affiche.
ed-help-inbox = Les messages envoyés par le formulaire de contact.
ed-help-history = Chaque version enregistrée ; chacune peut être rétablie.
ed-help-publish = Mettre en ligne la version actuelle. D'ici là, les visiteurs voient la dernière publiée.
ed-help-help = Active ou désactive cette aide.
ed-help-back = Retour à la liste de vos sites.
ed-help-add = Insérer une nouvelle section à cet endroit.
ed-help-gear = Les réglages de cette section.
ed-help-drag = Glissez cette poignée pour déplacer la section.
ed-help-move = Monter ou descendre la section.
ed-help-duplicate = Copier cette section juste en dessous.
ed-help-hide = Cacher la section aux visiteurs sans la supprimer.
ed-help-delete = Supprimer cette section (Annuler la fait revenir).
ed-help-format = Gras, italique, lien, liste et titres pour le texte sélectionné.
ed-help-image = Cliquez pour remplacer cette image.
ed-help-rich = Cliquez pour écrire ; sélectionnez des mots pour les mettre en forme.
ed-help-text = Cliquez pour changer ce texte.
ed-tour = Bienvenue sur votre site
ed-tour-add = Voici votre page, telle que les visiteurs la verront. Ajoutez des sections avec ces boutons.
ed-tour-gear = Chaque section a ses réglages ici ; les boutons orange attendent votre réglage.
ed-tour-text = Cliquez sur n'importe quel texte pour le changer sur place.
ed-tour-help = Perdu ? Ce bouton explique tout ce que vous pointez.
ed-tour-publish = Tout s'enregistre au fur et à mesure. Publiez quand vous voulez que les visiteurs le voient.
ed-tour-next = Suivant
ed-tour-skip = Passer
ed-tour-end = Commencer
ed-new-text = Cliquez ici pour écrire votre texte.
ed-new-heading = Un titre
ed-new-subtitle = Une phrase qui dit de quoi parle ce site
ed-new-highlight = Quelque chose d'important à dire
ed-new-item = Élément
ed-new-button = En savoir plus
ed-new-contact = Écrivez-nous
ed-block-banner = Bannière de titre
ed-block-banner-desc = Le grand titre en haut, avec une image derrière.
ed-block-text = Texte
ed-block-text-desc = Une à trois colonnes de texte.
ed-block-highlight = Bandeau
ed-block-highlight-desc = Une bande colorée pour un message clé.
ed-block-gallery = Galerie
ed-block-gallery-desc = Une grille d'images qui s'ouvrent en grand.
ed-block-carousel = Carrousel
ed-block-carousel-desc = Des images montrées l'une après l'autre.
ed-block-cards = Cartes
ed-block-cards-desc = Trois ou quatre cases avec une image : une équipe, des services.
ed-block-features = Points forts
ed-block-features-desc = Des icônes avec un titre et un court texte.
ed-block-timeline = Frise
ed-block-timeline-desc = Des dates et des étapes, pour un historique ou un CV.
ed-block-skills = Compétences
ed-block-skills-desc = Des compétences avec leur niveau, pour un CV.
ed-block-buttons = Boutons
ed-block-buttons-desc = Un à quatre grands liens.
ed-block-video = Vidéo
ed-block-video-desc = Une vidéo PeerTube, chargée seulement quand on la lance.
ed-block-social = Réseaux sociaux
ed-block-social-desc = Vos comptes Mastodon, PeerTube et autres.
ed-block-contact = Formulaire de contact
ed-block-contact-desc = Les visiteurs vous écrivent sans voir votre adresse.
ed-block-map = Carte
ed-block-map-desc = Une carte OpenStreetMap avec votre lieu.
ed-block-separator = Espace
ed-block-separator-desc = Un peu d'espace, avec ou sans ligne.
ed-block-footer = Pied de page
ed-block-footer-desc = Mentions légales et liens en bas.

## Images et vidéos collées dans les sites
image-too-large = Cette image est trop lourde : 20 Mo au plus.
image-not-an-image = Ce fichier n'est pas une image (JPEG, PNG, GIF ou WebP).
image-svg = Les images SVG ne sont pas acceptées : elles peuvent contenir des scripts.
image-unsupported = Ce type d'image n'est pas pris en charge : utilisez JPEG, PNG, GIF ou WebP.
image-too-many-pixels = Cette image a trop de pixels (25 millions au plus).
image-broken = Cette image est abîmée et ne peut pas être lue.
image-quota = Vos images occupent toute la place permise : retirez-en d'abord.
image-internal = L'image n'a pas pu être enregistrée ; réessayez.
video-url-invalid = Ce n'est pas une adresse web valide.
video-url-not-video = Ce n'est pas l'adresse d'une vidéo PeerTube.
video-url-playlist = Les listes de lecture ne peuvent pas encore être intégrées, seulement les vidéos.
video-url-insecure = Seules les adresses https peuvent être intégrées.
video-url-forbidden = { $host } n'est pas une adresse qu'on peut consulter.
video-url-not-found = Cette vidéo est introuvable sur { $host }.
video-url-not-public = Cette vidéo n'est pas publique sur { $host }.
video-url-no-embed = { $host } ne propose pas de lecteur pour cette adresse.
video-url-unreachable = { $host } ne répond pas.
video-url-bad-response = { $host } a donné une réponse inutilisable.

follows-title = Fédération
follows-intro = Choisissez les instances dont les vidéos apparaissent ici, et qui peut recevoir les nôtres. Suivre une instance fait venir ici ses nouvelles vidéos ; elles restent lues depuis leur instance.
follows-following = Instances suivies
follows-following-empty = Cette instance n’en suit encore aucune autre.
follows-follow-label = Adresse d’une instance (video.example.org), ou identifiant d’une chaîne (nom@hôte)
follows-follow = Suivre
follows-unfollow = Ne plus suivre
follows-copy-title = Copier les abonnements d’une autre instance
follows-copy-label = Adresse de l’instance dont copier les abonnements
follows-copy = Suivre les mêmes instances
follows-followers = Instances qui nous suivent
follows-followers-empty = Aucune instance ne suit encore celle-ci.
follows-auto-accept = Les abonnements sont acceptés dès leur arrivée.
follows-manual-accept = Chaque abonnement attend qu’un administrateur l’accepte ou le refuse.
follows-accept = Accepter
follows-reject = Refuser
follows-remove = Retirer
follows-state-pending = En attente de réponse
follows-state-accepted = Accepté
follows-state-rejected = Refusé
follows-notice-followed = Demande envoyée. Elle apparaît acceptée dès que l’autre instance répond.
follows-notice-copied = Les instances qu’elle suit sont en cours d’abonnement.
follows-notice-unfollowed = Vous ne la suivez plus.
follows-notice-decided = C’est fait.

profile-title = Profil
profile-save = Enregistrer
profile-saved = Vos modifications sont enregistrées ; les autres instances en sont informées.
profile-invalid = Un nom affiché a de 1 à 120 caractères ; une description et un texte de soutien 1000 au plus.
picture-avatar = Avatar
picture-banner = Bannière
picture-upload = Envoyer cette image
picture-remove = Retirer
picture-saved = L’image est enregistrée.
picture-removed = L’image est retirée.
channels-edit = Modifier cette chaîne
channels-delete = Supprimer cette chaîne
channels-delete-confirm = Ses vidéos sont supprimées avec elle, ici et sur toutes les instances qui les ont.
channels-delete-confirm-needed = Cochez la case pour confirmer la suppression de la chaîne et de ses vidéos.
channels-delete-last = Votre dernière chaîne ne peut pas être supprimée.
channels-deleted = La chaîne et ses vidéos sont supprimées ; les autres instances en sont informées.
comments-title = Commentaires ({ $count })
comments-disabled = Les commentaires sont désactivés pour cette vidéo.
comments-invalid = Un commentaire a de 1 à 10 000 caractères.
comments-write = Ajouter un commentaire
comments-send = Envoyer
comments-reply = Répondre
comments-delete = Supprimer
comments-deleted = Ce commentaire a été supprimé.
comments-login = Connectez-vous pour commenter.
comments-none = Pas encore de commentaire.
comments-held = En attente de l’approbation du propriétaire de la vidéo : seuls vous, le propriétaire et les modérateurs le voyez.
comments-reviewed = Le propriétaire de la vidéo relit les commentaires avant qu’ils soient visibles de tous.
comments-approve = Approuver

## Dates (crates/web/src/pages.rs: moment)
date-month = { $month ->
    [1] janvier
    [2] février
    [3] mars
    [4] avril
    [5] mai
    [6] juin
    [7] juillet
    [8] août
    [9] septembre
    [10] octobre
    [11] novembre
   *[12] décembre
}
# Un format chrono ; %B est le nom du mois ci-dessus. Heures en UTC.
date-format-full = %-d %B %Y à %H:%M UTC
date-just-now = à l’instant
date-minutes-ago = { $count ->
    [one] il y a { $count } minute
   *[other] il y a { $count } minutes
}
date-hours-ago = { $count ->
    [one] il y a { $count } heure
   *[other] il y a { $count } heures
}
date-days-ago = { $count ->
    [1] hier
   *[other] il y a { $count } jours
}
date-weeks-ago = { $count ->
    [one] il y a { $count } semaine
   *[other] il y a { $count } semaines
}
date-months-ago = il y a { $count } mois
date-years-ago = { $count ->
    [one] il y a { $count } an
   *[other] il y a { $count } ans
}

## Demander avant de supprimer, pages introuvables, inscriptions en attente
confirm-cancel = Annuler
my-videos-date = Ajoutée
my-videos-delete-yes = Oui, supprimer cette vidéo
comments-delete-confirm = Supprimer définitivement ce commentaire ?
comments-delete-yes = Oui, le supprimer
error-not-found-title = Page introuvable
error-not-found-home = Aller à l’accueil
login-pending = Votre inscription attend l’accord d’une personne de la modération. Vous pourrez vous connecter dès qu’elle sera acceptée.
login-rejected = Votre inscription a été refusée par la modération.
login-rejected-reason = Votre inscription a été refusée par la modération : { $reason }
profile-pictures-help = Une image choisie ici est enregistrée avec le bouton Enregistrer.

## Suivre une autre instance : pourquoi cela a échoué (le détail va dans le journal du serveur)
follows-error-empty = Indiquez l’hôte d’une instance ou un identifiant à suivre.
follows-error-invalid = « { $host } » n’est ni l’hôte d’une instance (video.example.org) ni un identifiant (nom@hôte).
follows-error-self = Cette instance ne peut pas se suivre elle-même.
follows-error-refused = Impossible de joindre { $host } : la connexion a été refusée.
follows-error-unknown-host = Impossible de joindre { $host } : aucun serveur ne répond à ce nom.
follows-error-timeout = Impossible de joindre { $host } : il n’a pas répondu à temps.
follows-error-forbidden = Impossible de joindre { $host } : ce n’est pas une adresse publique.
follows-error-tls = Impossible de joindre { $host } : sa connexion sécurisée (certificat) n’a pas pu être vérifiée.
follows-error-unreachable = Impossible de joindre { $host } : la connexion a échoué.
follows-error-status = { $host } a été joint, mais a répondu par une erreur.
follows-error-not-instance = { $host } a été joint, mais ne répond pas comme une instance PeerTube ou ActivityPub.
follows-error-not-found = Cet abonnement n’existe plus.
follows-error-other = Un problème est survenu avec { $host } ; le journal du serveur en dit plus.

## L’éditeur de site, sur un téléphone
ed-more = Plus

## Commentaires : longs fils, réponses profondes, trop à la fois
comments-earlier = { $count ->
    [one] Une réponse plus ancienne n’est pas affichée ici.
   *[other] { $count } réponses plus anciennes ne sont pas affichées ici.
}
comments-too-deep = Cette conversation est trop profonde pour continuer ici : répondez à un commentaire plus ancien.
comments-too-many = Vous commentez trop vite. Réessayez dans { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
}.
admin-p2p-title = Pair à pair
admin-p2p-stats = Le tracker compte { $swarms } essaims, { $peers } pairs, { $connections } connexions ouvertes.
admin-p2p-off = Le partage pair à pair est désactivé sur cette instance ([p2p] enabled = false) : les spectateurs chargent tout depuis le serveur.

# Editing a video (My videos → Edit)
edit-title = Modifier « { $name } »
edit-link = Modifier
edit-save = Enregistrer
edit-saved = Vos modifications sont enregistrées.
edit-tags = Mots-clés (5 au plus, séparés par des virgules)
edit-category = Catégorie
edit-licence = Licence
edit-language = Langue
edit-none = Non précisée
edit-support = Texte de soutien (comment vous aider : un lien de don…)
edit-nsfw = Cette vidéo est sensible (pas pour tout le monde)
edit-comments = Commentaires
edit-comments-1 = Autorisés
edit-comments-3 = Soumis à mon approbation
edit-comments-2 = Désactivés
edit-download = Autoriser le téléchargement
edit-original-date = Publiée d’abord ailleurs le
edit-passwords = Mots de passe (un par ligne), pour une vidéo protégée par mot de passe
edit-schedule = Publier plus tard : privée jusqu’à cette date, puis publique
edit-schedule-set = Programmée pour devenir publique le { $date }.
edit-thumbnail = Miniature
edit-thumbnail-file = Envoyer une image
edit-thumbnail-frame = Ou choisir une image de la vidéo
edit-thumbnail-use = Prendre cette image
edit-thumbnail-picked = Cette image sera la miniature une fois enregistré.
category-1 = Musique
category-2 = Films
category-3 = Véhicules
category-4 = Art
category-5 = Sports
category-6 = Voyages
category-7 = Jeux vidéo
category-8 = Personnes
category-9 = Humour
category-10 = Divertissement
category-11 = Actualités et politique
category-12 = Tutoriels
category-13 = Éducation
category-14 = Militantisme
category-15 = Science et technologie
category-16 = Animaux
category-17 = Enfants
category-18 = Cuisine
licence-1 = Attribution
licence-2 = Attribution - Partage dans les mêmes conditions
licence-3 = Attribution - Pas de modification
licence-4 = Attribution - Pas d’utilisation commerciale
licence-5 = Attribution - Pas d’utilisation commerciale - Partage dans les mêmes conditions
licence-6 = Attribution - Pas d’utilisation commerciale - Pas de modification
licence-7 = Domaine public
language-ar = Arabe
language-ca = Catalan
language-de = Allemand
language-en = Anglais
language-eo = Espéranto
language-es = Espagnol
language-eu = Basque
language-fr = Français
language-it = Italien
language-ja = Japonais
language-nl = Néerlandais
language-oc = Occitan
language-pl = Polonais
language-pt = Portugais
language-ru = Russe
language-zh = Chinois

# Recherche
search-title = Recherche
search-results-for = Résultats pour « { $text } »
search-field = Chercher des vidéos et des chaînes
search-placeholder = Chercher…
search-submit = Chercher
search-sort = Trier par
search-sort-match = Pertinence
search-sort-newest = Plus récentes
search-sort-views = Plus vues
search-any = Toutes
search-channels = Chaînes
search-videos = Vidéos

## Listes de lecture
nav-my-playlists = Mes listes de lecture
playlists-title = Mes listes de lecture
playlist-name = Nom
playlist-description = Description
playlist-privacy = Visibilité
playlist-privacy-1 = Publique
playlist-privacy-2 = Non listée
playlist-privacy-3 = Privée
playlist-channel = Chaîne
playlist-channel-help = Une liste publique appartient à l’une de vos chaînes.
playlist-no-channel = Aucune chaîne
playlist-videos = Vidéos
playlist-play = Lire
playlist-new = Nouvelle liste de lecture
playlist-create = Créer la liste
playlist-edit = Modifier la liste
playlist-empty = Cette liste est vide : utilisez « Enregistrer » sous une vidéo pour l’y ajouter.
playlist-up = Monter
playlist-down = Descendre
playlist-remove = Retirer
playlist-delete = Supprimer la liste
playlist-delete-confirm = Supprimer définitivement cette liste ? Ses vidéos restent.
playlist-delete-yes = Oui, supprimer cette liste
playlist-watch-later = À regarder plus tard
playlist-deleted-video = Vidéo supprimée
playlist-private-video = Vidéo privée
playlist-save = Enregistrer dans
playlist-save-button = Enregistrer
playlist-saved = Enregistrée dans votre liste.
playlist-of = Liste de lecture : { $name }
playlist-position = { $position } sur { $count }
playlist-next = Suivante
channel-playlists = Listes de lecture
profile-followers = { $count ->
    [one] { $count } abonné
   *[other] { $count } abonnés
}
profile-subscribe = S’abonner
profile-unsubscribe = Se désabonner
profile-support = Soutenir
profile-playlist-videos = { $count ->
    [one] { $count } vidéo
   *[other] { $count } vidéos
}

## Signalements et modération
report-open = Signaler
report-reasons = Ce qui ne va pas
report-reason = Précisez pour les modérateurs
report-start = De (m:ss)
report-end = À (m:ss)
report-privacy = Votre signalement va aux modérateurs de cette instance. Si ce que vous signalez est sur une autre instance, il y est aussi envoyé, sans votre nom.
report-send = Envoyer le signalement
report-sent = Merci : votre signalement a été envoyé aux modérateurs.
report-invalid = Un signalement demande une raison de 2 à 3 000 caractères, et un passage de la vidéo qui finit après son début.
report-already = Vous avez déjà signalé ceci ; les modérateurs n’ont pas encore décidé.
report-own = Vous ne pouvez pas signaler ce qui est à vous.
report-reason-violentOrRepulsive = Violent ou répugnant
report-reason-hatefulOrAbusive = Haineux ou injurieux
report-reason-spamOrMisleading = Spam ou trompeur
report-reason-privacy = Vie privée
report-reason-rights = Droit d’auteur
report-reason-serverRules = Enfreint les règles de cette instance
report-reason-thumbnails = Miniature
report-reason-captions = Sous-titres
nav-moderation = Modération
moderation-title = Modération
moderation-filter = Quels signalements
moderation-count = { $count ->
    [one] Un signalement
   *[other] { $count } signalements
}
moderation-empty = Aucun signalement ici.
moderation-state-0 = Tous
moderation-state-1 = En attente
moderation-state-2 = Rejetés
moderation-state-3 = Acceptés
moderation-kind-video = Vidéo
moderation-kind-comment = Commentaire
moderation-kind-account = Compte
moderation-reported = Signalé :
moderation-reports-of = { $count ->
    [one] son seul signalement
   *[other] { $count } signalements en tout
}
moderation-reporter = par
moderation-span = à
moderation-see-comment = Le voir sous sa vidéo
moderation-gone = Supprimé depuis.
moderation-comment = Commentaire des modérateurs :
moderation-comment-label = Commentaire (facultatif)
moderation-accept = Accepter
moderation-reject = Rejeter
moderation-delete = Supprimer le signalement
moderation-delete-confirm = Supprimer définitivement ce signalement et ses messages ?
moderation-delete-yes = Oui, le supprimer

## La liste de blocage de l’instance
nav-blocklist = Blocages
blocklist-title = Instances et comptes bloqués
blocklist-intro = Ce que cette instance bloque est caché des listes, recherches et commentaires de tous ; les messages d’une instance bloquée sont refusés et les abonnements avec elle prennent fin.
blocklist-servers = Instances
blocklist-accounts = Comptes
blocklist-host = Instance
blocklist-handle = Compte
blocklist-block = Bloquer
blocklist-unblock = Débloquer
blocklist-none = Aucun.
blocklist-import = Bloquer une liste d’instances
blocklist-import-help = Une instance par ligne (les lignes commençant par # sont ignorées). Si une ligne est fausse, rien n’est bloqué et chaque ligne fausse est nommée.
blocklist-import-send = Toutes les bloquer
blocklist-imported = { $count ->
    [one] Une instance de plus bloquée.
   *[other] { $count } instances de plus bloquées.
}
profile-mute = Masquer
profile-unmute = Ne plus masquer
profile-mute-help = Vous ne verrez plus les vidéos ni les commentaires de ce compte, et personne ne verra ses commentaires sous vos vidéos.

## Notifications (the header's badge, /my-account/notifications, their mails) and My reports
nav-notifications = Notifications
notifications-unread = { $count ->
    [one] une notification non lue
   *[other] { $count } notifications non lues
}
notifications-title = Notifications
notifications-count = { $count ->
    [0] Aucune notification pour l’instant.
    [one] Une notification.
   *[other] { $count } notifications.
}
notifications-empty = Rien ne vous concernant ne s’est encore passé.
notifications-read-all = Tout marquer comme lu
notifications-new = nouveau
notifications-settings = Ce qui vous est signalé, et comment
notifications-setting-what = Quand
notifications-setting-web = Ici
notifications-setting-mail = Par courriel
notifications-save = Enregistrer
notifications-setting-newCommentOnMyVideo = Quelqu’un commente une de mes vidéos
notifications-setting-myVideoPublished = Une de mes vidéos est publiée
notifications-setting-myVideoImportFinished = Un de mes imports est terminé
notifications-setting-abuseStateChange = Les modérateurs tranchent un de mes signalements
notifications-setting-abuseNewMessage = Un nouveau message sur un signalement
notifications-setting-abuseAsModerator = Un nouveau signalement pour les modérateurs
notif-new-abuse = Nouveau signalement n° { $id } pour les modérateurs
notif-abuse-accepted = Votre signalement n° { $id } a été accepté
notif-abuse-rejected = Votre signalement n° { $id } a été rejeté
notif-abuse-message = Nouveau message sur le signalement n° { $id }
notif-new-comment = { $author } a commenté votre vidéo « { $video } »
notif-video-published = Votre vidéo « { $video } » est publiée
notif-import-success = Votre import « { $video } » est terminé
notif-import-error = Votre import de { $url } a échoué
notif-other = Du nouveau
mail-hello = Bonjour { $name },
mail-settings-hint = Vous recevez ce courriel selon vos réglages de notification ; modifiez-les ici :
my-reports-title = Mes signalements
my-reports-empty = Vous n’avez rien signalé.
my-reports-moderator = modérateur
my-reports-write = Écrire aux modérateurs
my-reports-send = Envoyer
notif-video-blocked = Votre vidéo « { $video } » a été bloquée
notif-video-unblocked = Votre vidéo « { $video } » a été débloquée
notif-video-auto-blocked = Une nouvelle vidéo attend la modération : « { $video } »
notifications-setting-blacklistOnMyVideo = Une de mes vidéos est bloquée ou débloquée
notifications-setting-videoAutoBlacklistAsModerator = Une nouvelle vidéo attend la modération

## Video blocks (the watch page's moderator forms, /admin/video-blocks)
nav-video-blocks = Vidéos bloquées
block-notice = Cette vidéo est bloquée par les modérateurs.
block-open = Bloquer cette vidéo
block-reason = Raison (facultative, de 2 à 300 caractères)
block-unfederate = Demander aussi aux autres instances de la supprimer
block-submit = Bloquer
block-unblock = Débloquer
blocks-title = Vidéos bloquées
blocks-filter = Quels blocages
blocks-all = Tous
blocks-manual = Bloquées par un modérateur
blocks-waiting = En attente d’approbation
blocks-count = { $count ->
    [one] Une vidéo bloquée
   *[other] { $count } vidéos bloquées
}
blocks-empty = Aucune vidéo n’est bloquée.
blocks-manual-one = bloquée par un modérateur
blocks-waiting-one = en attente d’approbation
blocks-unfederated = supprimée des autres instances
blocks-approve = Approuver
blocks-auto = Les nouvelles vidéos des utilisateurs qui ne modèrent pas attendent l’approbation d’un modérateur
blocks-auto-on = Les nouvelles vidéos des utilisateurs qui ne modèrent pas attendent votre approbation.

## Utilisateurs et journal d’audit (/admin/users, /admin/audit-logs)
nav-users = Utilisateurs
nav-audit = Journal d’audit
users-title = Utilisateurs
users-search = Nom ou adresse
users-banned-only = Bannis seulement
users-filter = Filtrer
users-count = { $count ->
    [one] Un utilisateur
   *[other] { $count } utilisateurs
}
users-empty = Aucun utilisateur ne correspond.
users-role-0 = Administrateur
users-role-1 = Modérateur
users-role-2 = Utilisateur
users-role = Rôle
users-joined = inscrit
users-banned = banni
users-quota = Quota vidéo (octets)
users-quota-help = -1 : sans limite
users-save = Enregistrer
users-unban = Lever le bannissement
users-ban = Bannir…
users-ban-reason = Raison (facultative, de 3 à 250 caractères)
users-ban-submit = Bannir : ses sessions prennent fin aussitôt
users-delete = Supprimer…
users-delete-warning = Cela supprime l’utilisateur et tout ce qu’il a fait : chaînes, vidéos, listes de lecture, commentaires et sites. Les autres instances en sont informées. Les réponses que d’autres ont écrites sous ses commentaires restent. C’est définitif.
users-delete-submit = Supprimer définitivement cet utilisateur
audit-title = Journal d’audit
audit-intro = Ce qu’ont fait les modérateurs et les administrateurs, le plus récent d’abord.
audit-empty = Rien pour l’instant.
audit-when = Quand
audit-who = Qui
audit-what = Quoi
audit-target = Sur quoi
audit-details = Détails

## La liste de blocage d’un utilisateur (/my-account/blocklist)
mutes-title = Instances et comptes masqués
mutes-intro = Ce que vous masquez disparaît de vos listes, de vos recherches et des commentaires, et ses commentaires sur vos vidéos ne vous sont plus signalés. Personne n’en est averti.
mutes-mute = Masquer
mutes-unmute = Ne plus masquer
