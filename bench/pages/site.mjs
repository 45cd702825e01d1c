// Writes the benchmark's site document: a French association's one-page site that uses every
// block type, its pictures given inline as `data:image/jpeg;base64,…` URIs, as an import
// document for `ruche pages import`.
//
//   node bench/pages/site.mjs IMAGES_DIR SLUG OUT.json
//
// IMAGES_DIR holds the JPEGs made by run.sh (ffmpeg test sources with grain, photo-sized:
// wide-*.jpg at 1600x900, square-*.jpg at 800x800).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, slug, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node site.mjs IMAGES_DIR SLUG OUT.json');
  process.exit(2);
}

const pic = (name, alt, caption = '') => {
  const data = readFileSync(join(dir, name)).toString('base64');
  const img = { src: `data:image/jpeg;base64,${data}`, alt };
  if (caption) img.caption = caption;
  return img;
};

const site = {
  slug,
  title: 'Les Jardins partagés de la Croix-Rousse',
  language: 'fr',
  description:
    "Association de quartier : un potager collectif, des ateliers de jardinage au naturel et une grainothèque ouverte à tous, sur les pentes de la Croix-Rousse à Lyon.",
  published: true,
  theme: 'forest',
  font_set: 'friendly',
  blocks: [
    {
      type: 'banner',
      id: 'accueil',
      title: 'Les Jardins partagés de la Croix-Rousse',
      subtitle: 'Cultiver ensemble, apprendre les uns des autres, partager les récoltes — depuis 2011.',
      image: pic('wide-1.jpg', 'Les parcelles du jardin au printemps, vues depuis l’allée centrale'),
      focal: [0.5, 0.4],
      overlay: 0.45,
      buttons: [
        { label: 'Nous rejoindre', href: '#adhesion' },
        { label: 'Le programme', href: '#agenda' },
      ],
    },
    {
      type: 'text',
      id: 'association',
      menu: 'L’association',
      heading: 'Qui sommes-nous ?',
      columns: [
        "<h3>Un jardin ouvert</h3><p>Née en 2011 d’un terrain en friche prêté par la Ville de Lyon, l’association fait vivre <strong>1 200 m²</strong> de potager collectif, de verger et de prairie fleurie. Chacun peut venir jardiner, même sans expérience&nbsp;: les plus anciens transmettent, les nouveaux apportent leurs idées.</p><p>Nous comptons aujourd’hui <strong>148 adhérents</strong>, de 4 à 87 ans.</p>",
        "<h3>Au naturel</h3><p>Pas de pesticides ni d’engrais de synthèse&nbsp;: nous pratiquons le paillage, le compostage, les associations de cultures et l’accueil des auxiliaires (haies, nichoirs, hôtel à insectes).</p><ul><li>3 composteurs de quartier</li><li>une mare pédagogique</li><li>40 variétés de tomates anciennes</li></ul>",
        "<h3>Pour le quartier</h3><p>Les récoltes sont partagées entre les jardiniers et l’épicerie solidaire de la rue d’Austerlitz. Nous accueillons aussi des classes des écoles voisines, un foyer de personnes âgées et un <em>atelier d’insertion</em> deux matinées par semaine.</p><p>Plus d’informations sur <a href=\"https://www.lyon.fr/\">le site de la Ville</a>.</p>",
      ],
    },
    {
      type: 'highlight',
      id: 'fete',
      text: "<p><strong>Fête des semences le samedi 14 mars</strong>, de 10 h à 18 h : troc de graines, démonstrations de greffe, soupe partagée et concert en fin d’après-midi. Entrée libre.</p>",
      button: { label: 'Voir le programme', href: '#agenda' },
    },
    {
      type: 'gallery',
      id: 'photos',
      menu: 'Photos',
      heading: 'La vie au jardin',
      images: [
        pic('wide-2.jpg', 'Des bénévoles désherbent les planches de légumes', 'Chantier collectif du samedi matin'),
        pic('square-1.jpg', 'Gros plan sur des tomates anciennes de toutes les couleurs', 'Récolte d’août'),
        pic('wide-3.jpg', 'Une classe de CE2 plante des bulbes', 'Accueil de l’école Victor-Hugo'),
        pic('square-2.jpg', 'Le composteur de quartier et son panneau explicatif'),
        pic('wide-4.jpg', 'La mare pédagogique entourée d’iris', 'La mare, refuge des grenouilles'),
        pic('square-3.jpg', 'Des sachets de graines étiquetés à la main', 'La grainothèque'),
      ],
    },
    {
      type: 'carousel',
      id: 'saisons',
      menu: 'Saisons',
      interval: 6,
      images: [
        pic('wide-5.jpg', 'Le verger en fleurs au printemps', 'Printemps : le verger en fleurs'),
        pic('wide-6.jpg', 'Les courges mûrissent sous le soleil d’été', 'Été : les courges'),
        pic('wide-7.jpg', 'Feuilles mortes et paillage des planches en automne', 'Automne : on paille'),
      ],
    },
    {
      type: 'cards',
      id: 'ateliers',
      menu: 'Ateliers',
      heading: 'Nos ateliers',
      cards: [
        {
          image: pic('square-4.jpg', 'Mains qui sèment des graines dans des godets'),
          title: 'Semis et repiquage',
          text: '<p>Un mercredi sur deux, de 14 h à 16 h. Apprenez à réussir vos semis et à conserver vos graines.</p>',
        },
        {
          image: pic('square-5.jpg', 'Un composteur ouvert montrant les couches de matière'),
          title: 'Compost et sol vivant',
          text: '<p>Le premier samedi du mois. Comprendre la vie du sol, nourrir la terre sans la fatiguer.</p>',
        },
        {
          image: pic('square-6.jpg', 'Un pommier taillé en espalier le long d’un mur'),
          title: 'Taille des fruitiers',
          text: '<p>En février et en juillet, avec un arboriculteur du Rhône. Sécateurs prêtés sur place.</p>',
        },
      ],
    },
    {
      type: 'features',
      id: 'pourquoi',
      heading: 'Pourquoi nous rejoindre ?',
      items: [
        { icon: 'leaf', title: 'Jardiner sans pesticides', text: '<p>Des méthodes douces, testées et partagées.</p>' },
        { icon: 'users', title: 'Rencontrer ses voisins', text: '<p>Un lieu de rencontre entre générations et cultures.</p>' },
        { icon: 'book', title: 'Apprendre', text: '<p>Ateliers, bibliothèque de jardinage, conseils au fil des saisons.</p>' },
        { icon: 'heart', title: 'Partager', text: '<p>Les surplus vont à l’épicerie solidaire du quartier.</p>' },
        { icon: 'sun', title: 'Prendre l’air', text: '<p>Un coin de nature à dix minutes de la place des Terreaux.</p>' },
        { icon: 'music', title: 'Faire la fête', text: '<p>Fête des semences, repas de la récolte, concerts d’été.</p>' },
      ],
    },
    {
      type: 'timeline',
      id: 'agenda',
      menu: 'Agenda',
      heading: 'Le programme de la saison',
      entries: [
        { date: '14 mars', title: 'Fête des semences', text: '<p>Troc de graines, greffes, soupe partagée.</p>' },
        { date: '5 avril', title: 'Chantier de printemps', text: '<p>Préparation des planches et plantation des pommes de terre.</p>' },
        { date: '24 mai', title: 'Fête des voisins au jardin', text: '<p>Pique-nique tiré du sac, jeux pour les enfants.</p>' },
        { date: '21 juin', title: 'Concert de la Fête de la musique', text: '<p>La fanfare des pentes sous le tilleul.</p>' },
        { date: '20 septembre', title: 'Repas de la récolte', text: '<p>Chacun apporte un plat cuisiné avec les légumes du jardin.</p>' },
        { date: '15 novembre', title: 'Assemblée générale', text: '<p>Bilan de l’année, élection du bureau, projets 2027.</p>' },
      ],
    },
    {
      type: 'skills',
      id: 'bilan',
      heading: 'L’année en chiffres (objectifs atteints)',
      skills: [
        { name: 'Compost produit (objectif 3 tonnes)', level: 92 },
        { name: 'Récoltes données à l’épicerie solidaire', level: 75 },
        { name: 'Parcelles cultivées', level: 100 },
        { name: 'Récupération d’eau de pluie', level: 60 },
      ],
    },
    {
      type: 'buttons',
      id: 'adhesion',
      menu: 'Adhérer',
      buttons: [
        { label: 'Adhérer (15 € par an)', href: 'https://www.helloasso.com/' },
        { label: 'Le règlement intérieur', href: 'https://jardins-croix-rousse.fr/reglement.pdf' },
        { label: 'Écrire au bureau', href: 'mailto:bureau@jardins-croix-rousse.fr' },
      ],
    },
    {
      type: 'video',
      id: 'film',
      url: 'https://framatube.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d',
      title: 'Un an au jardin : le film des adhérents (8 min)',
    },
    {
      type: 'social',
      id: 'reseaux',
      heading: 'Suivez-nous',
      links: [
        { network: 'mastodon', url: 'https://mastodon.social/@jardinscroixrousse' },
        { network: 'peertube', url: 'https://framatube.org/a/jardinscroixrousse' },
        { network: 'pixelfed', url: 'https://pixelfed.fr/jardinscroixrousse' },
        { network: 'email', url: 'mailto:bureau@jardins-croix-rousse.fr' },
        { network: 'rss', url: 'https://jardins-croix-rousse.fr/actualites.xml' },
      ],
    },
    { type: 'separator', id: 'sep', size: 'medium', line: true },
    {
      type: 'contact',
      id: 'contact',
      menu: 'Contact',
      heading: 'Nous écrire',
      to: 'bureau@jardins-croix-rousse.fr',
      intro: 'Une question, une envie de jardiner, un don de graines ou d’outils ? Le bureau vous répond sous quelques jours.',
    },
    {
      type: 'map',
      id: 'acces',
      menu: 'Accès',
      lat: 45.774,
      lon: 4.8295,
      zoom: 16,
      label: 'Le jardin',
      address: '12 montée de la Grande-Côte, 69001 Lyon — métro Croix-Paquet (ligne C)',
    },
    {
      type: 'footer',
      id: 'pied',
      text: "<p>© 2026 Les Jardins partagés de la Croix-Rousse — association loi 1901, déclarée en préfecture du Rhône. Site publié avec Ruche.</p>",
      links: [
        { label: 'Mentions légales', href: '#pied' },
        { label: 'Nous écrire', href: '#contact' },
      ],
    },
  ],
};

writeFileSync(out, JSON.stringify(site, null, 1));
