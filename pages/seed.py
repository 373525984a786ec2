# ruff: noqa: E501 - Markdown prose, one paragraph a line, as staff will edit it
"""The shop pages a new marketplace starts with (data migration 0002), for staff to edit in the
admin: each (slug, section, position, {language: (title, Markdown body)})."""

PAGES = [
    ("terms-of-sale", "legal", 1, {
        "en": ("Terms of sale", """Refurb is a marketplace: each device is sold to you by the refurbisher named on its offer, who is your seller. Refurb takes the order and the payment on the seller's behalf.

## Prices and payment
- Prices include VAT and are shown in euros. Delivery costs are shown before you pay.
- Your card is charged when you place the order; the order is confirmed once the payment is.

## Delivery
The seller has 2 working days to accept your order and ships it within 2 working days of accepting. You see the estimated delivery dates on each offer, in the cart and at checkout. If the seller does not accept in time, the order is cancelled and refunded in full.

## Your right to change your mind
You have **30 days** from delivery to return a device, for free, whatever the reason. The refund follows once the seller has received it.

## Warranty
Every device carries the seller's warranty of at least **12 months** from delivery, on top of your legal rights (the legal guarantee of conformity). Open a warranty claim from your order's page; see [Warranty claims](/pages/help-warranty/).

## Disputes
Write to us first: we look at every case. You may also turn to a consumer mediator or the European online dispute resolution platform."""),
        "fr": ("Conditions générales de vente", """Refurb est une place de marché : chaque appareil vous est vendu par le reconditionneur indiqué sur son offre, votre vendeur. Refurb prend la commande et le paiement pour le compte du vendeur.

## Prix et paiement
- Les prix sont TTC, en euros. Les frais de livraison sont indiqués avant le paiement.
- Votre carte est débitée à la commande ; la commande est confirmée une fois le paiement accepté.

## Livraison
Le vendeur dispose de 2 jours ouvrés pour accepter la commande et l'expédie dans les 2 jours ouvrés suivants. Les dates de livraison estimées figurent sur chaque offre, dans le panier et à la commande. Sans acceptation à temps, la commande est annulée et remboursée intégralement.

## Droit de rétractation
Vous disposez de **30 jours** après la livraison pour retourner un appareil, gratuitement et sans motif. Le remboursement suit la réception par le vendeur.

## Garantie
Chaque appareil bénéficie de la garantie du vendeur d'au moins **12 mois** à compter de la livraison, en plus de la garantie légale de conformité. Ouvrez une demande de garantie depuis la page de votre commande ; voir [Demandes de garantie](/pages/help-warranty/).

## Litiges
Écrivez-nous d'abord : nous examinons chaque cas. Vous pouvez aussi saisir un médiateur de la consommation ou la plateforme européenne de règlement en ligne des litiges."""),
        "es": ("Condiciones de venta", """Refurb es un marketplace: cada dispositivo te lo vende el reacondicionador que figura en su oferta, tu vendedor. Refurb gestiona el pedido y el pago en nombre del vendedor.

## Precios y pago
- Los precios incluyen el IVA y se muestran en euros. Los gastos de envío se indican antes de pagar.
- Tu tarjeta se cobra al hacer el pedido; el pedido se confirma cuando se acepta el pago.

## Entrega
El vendedor tiene 2 días laborables para aceptar el pedido y lo envía en los 2 días laborables siguientes. Verás las fechas de entrega estimadas en cada oferta, en la cesta y al pagar. Si el vendedor no lo acepta a tiempo, el pedido se cancela y se reembolsa por completo.

## Derecho de desistimiento
Tienes **30 días** desde la entrega para devolver un dispositivo, gratis y sin dar motivos. El reembolso llega cuando el vendedor lo recibe.

## Garantía
Cada dispositivo tiene la garantía del vendedor de al menos **12 meses** desde la entrega, además de la garantía legal de conformidad. Abre una reclamación de garantía desde la página de tu pedido; consulta [Reclamaciones de garantía](/pages/help-warranty/).

## Litigios
Escríbenos primero: revisamos cada caso. También puedes acudir a un mediador de consumo o a la plataforma europea de resolución de litigios en línea."""),
    }),
    ("privacy", "legal", 2, {
        "en": ("Privacy", """We keep only what running your orders needs, and never sell it.

## What we keep and why
- **Your account and orders**: name, e-mail, addresses and what you bought, to deliver, invoice and handle returns and warranty claims. The seller of each order sees what it needs to ship it.
- **Payments** are handled by our payment provider; we never see or store your card number.
- **Reviews** you write are shown with your first name.

## How long
Orders and invoices are kept for 10 years (accounting law); an account you close is deleted, except what the law asks us to keep.

## Your rights
You may see, correct, download or delete your data, and object to its use: write to privacy@refurb.example. You may also complain to your data protection authority (the CNIL in France)."""),
        "fr": ("Confidentialité", """Nous ne gardons que ce qu'il faut pour traiter vos commandes, et ne le vendons jamais.

## Ce que nous gardons et pourquoi
- **Votre compte et vos commandes** : nom, e-mail, adresses et achats, pour livrer, facturer et traiter retours et demandes de garantie. Le vendeur de chaque commande voit ce qu'il faut pour l'expédier.
- **Les paiements** passent par notre prestataire ; nous ne voyons ni ne gardons votre numéro de carte.
- **Vos avis** sont publiés avec votre prénom.

## Combien de temps
Commandes et factures : 10 ans (obligation comptable) ; un compte fermé est supprimé, sauf ce que la loi impose de garder.

## Vos droits
Accès, rectification, portabilité, effacement, opposition : écrivez à privacy@refurb.example. Vous pouvez aussi saisir la CNIL."""),
        "es": ("Privacidad", """Solo guardamos lo necesario para gestionar tus pedidos, y nunca lo vendemos.

## Qué guardamos y por qué
- **Tu cuenta y tus pedidos**: nombre, e-mail, direcciones y compras, para entregar, facturar y gestionar devoluciones y reclamaciones de garantía. El vendedor de cada pedido ve lo necesario para enviarlo.
- **Los pagos** los gestiona nuestro proveedor de pagos; nunca vemos ni guardamos el número de tu tarjeta.
- **Tus opiniones** se publican con tu nombre de pila.

## Cuánto tiempo
Pedidos y facturas: 10 años (obligación contable); una cuenta cerrada se borra, salvo lo que la ley obliga a conservar.

## Tus derechos
Acceso, rectificación, portabilidad, supresión y oposición: escribe a privacy@refurb.example. También puedes reclamar ante tu autoridad de protección de datos."""),
    }),
    ("legal-notice", "legal", 3, {
        "en": ("Legal notice", """**Refurb SAS**, a company with a share capital of €50,000, registered in Paris under number 000 000 000, VAT FR00000000000.

Registered office: 1 rue de la Paix, 75002 Paris, France. Contact: hello@refurb.example.

Publication director: the company's president. Hosting: the hosting provider named in our privacy page, in the European Union."""),
        "fr": ("Mentions légales", """**Refurb SAS**, au capital de 50 000 €, RCS Paris 000 000 000, TVA FR00000000000.

Siège : 1 rue de la Paix, 75002 Paris, France. Contact : hello@refurb.example.

Directeur de la publication : le président de la société. Hébergement : le prestataire indiqué dans notre page confidentialité, dans l'Union européenne."""),
        "es": ("Aviso legal", """**Refurb SAS**, sociedad con un capital de 50 000 €, inscrita en París con el número 000 000 000, IVA FR00000000000.

Domicilio social: 1 rue de la Paix, 75002 París, Francia. Contacto: hello@refurb.example.

Director de la publicación: el presidente de la sociedad. Alojamiento: el proveedor indicado en nuestra página de privacidad, en la Unión Europea."""),
    }),
    ("cookies", "legal", 4, {
        "en": ("Cookies", """We use only the cookies the shop needs to work, so we do not ask for your consent:

- **sessionid**: keeps you signed in and remembers your cart.
- **csrftoken**: protects the forms you send.
- **django_language**: remembers the language you chose.
- **A guest order cookie**: lets this browser open an order you placed without an account.

No advertising or tracking cookie is set, and no third party sets one through our pages."""),
        "fr": ("Cookies", """Nous n'utilisons que les cookies nécessaires au fonctionnement de la boutique ; ils ne demandent pas votre consentement :

- **sessionid** : vous garde connecté et mémorise votre panier.
- **csrftoken** : protège les formulaires que vous envoyez.
- **django_language** : retient la langue choisie.
- **Un cookie de commande invité** : permet à ce navigateur d'ouvrir une commande passée sans compte.

Aucun cookie publicitaire ou de suivi n'est déposé, ni par nous ni par un tiers."""),
        "es": ("Cookies", """Solo usamos las cookies necesarias para que la tienda funcione, por lo que no pedimos tu consentimiento:

- **sessionid**: mantiene tu sesión iniciada y recuerda tu cesta.
- **csrftoken**: protege los formularios que envías.
- **django_language**: recuerda el idioma elegido.
- **Una cookie de pedido como invitado**: permite a este navegador abrir un pedido hecho sin cuenta.

No se instala ninguna cookie publicitaria ni de seguimiento, ni nuestra ni de terceros."""),
    }),
    ("help-shipping", "help", 1, {
        "en": ("Shipping and delivery", """- Each seller ships from its own workshop with tracked delivery; an order from two sellers arrives in two parcels.
- The seller accepts your order within 2 working days and ships it within 2 working days of accepting. The estimated delivery dates are on each offer, in your cart and at checkout.
- Once shipped, your order's page shows the carrier and a tracking link.
- A parcel lost in transit is refunded in full."""),
        "fr": ("Livraison", """- Chaque vendeur expédie depuis son atelier, en envoi suivi ; une commande de deux vendeurs arrive en deux colis.
- Le vendeur accepte votre commande sous 2 jours ouvrés et l'expédie sous 2 jours ouvrés. Les dates de livraison estimées figurent sur chaque offre, dans le panier et à la commande.
- Une fois expédiée, la page de votre commande indique le transporteur et un lien de suivi.
- Un colis perdu est remboursé intégralement."""),
        "es": ("Envío y entrega", """- Cada vendedor envía desde su taller con seguimiento; un pedido de dos vendedores llega en dos paquetes.
- El vendedor acepta tu pedido en 2 días laborables y lo envía en los 2 días laborables siguientes. Las fechas de entrega estimadas aparecen en cada oferta, en la cesta y al pagar.
- Una vez enviado, la página de tu pedido muestra el transportista y un enlace de seguimiento.
- Un paquete perdido se reembolsa por completo."""),
    }),
    ("help-returns", "help", 2, {
        "en": ("Returns and refunds", """You have **30 days from delivery** to return a device, for free, for any reason.

1. Open your order's page and choose **Return this item** next to the device.
2. Say why; the seller answers, usually within 2 working days, and sends you its return address.
3. Once the seller has received the device, you are refunded on the card you paid with."""),
        "fr": ("Retours et remboursements", """Vous avez **30 jours après la livraison** pour retourner un appareil, gratuitement et sans motif.

1. Ouvrez la page de votre commande et choisissez **Retourner cet article** à côté de l'appareil.
2. Indiquez pourquoi ; le vendeur répond, en général sous 2 jours ouvrés, et vous donne son adresse de retour.
3. Dès réception par le vendeur, vous êtes remboursé sur la carte utilisée."""),
        "es": ("Devoluciones y reembolsos", """Tienes **30 días desde la entrega** para devolver un dispositivo, gratis y por cualquier motivo.

1. Abre la página de tu pedido y elige **Devolver este artículo** junto al dispositivo.
2. Indica el motivo; el vendedor responde, normalmente en 2 días laborables, y te da su dirección de devolución.
3. Cuando el vendedor recibe el dispositivo, se te reembolsa en la tarjeta con la que pagaste."""),
    }),
    ("help-warranty", "help", 3, {
        "en": ("Warranty claims", """Every device is covered by its seller's warranty — at least 12 months from delivery; the exact length is on your order's page.

1. Open your order's page and choose **Warranty claim** next to the device.
2. Say what is wrong, describe it and add photos if they help.
3. The seller answers on the same page: it accepts (and says how it will repair, replace or refund the device) or explains why the fault is not covered. We see every claim and step in when needed.

The warranty covers faults, not damage from a fall or water."""),
        "fr": ("Demandes de garantie", """Chaque appareil est couvert par la garantie de son vendeur — au moins 12 mois après la livraison ; la durée exacte figure sur la page de votre commande.

1. Ouvrez la page de votre commande et choisissez **Demande de garantie** à côté de l'appareil.
2. Dites ce qui ne va pas, décrivez-le et ajoutez des photos si elles aident.
3. Le vendeur répond sur la même page : il accepte (et indique s'il répare, remplace ou rembourse) ou explique pourquoi la panne n'est pas couverte. Nous suivons chaque demande et intervenons si besoin.

La garantie couvre les pannes, pas les dommages dus à une chute ou à l'eau."""),
        "es": ("Reclamaciones de garantía", """Cada dispositivo está cubierto por la garantía de su vendedor: al menos 12 meses desde la entrega; la duración exacta figura en la página de tu pedido.

1. Abre la página de tu pedido y elige **Reclamación de garantía** junto al dispositivo.
2. Indica qué falla, descríbelo y añade fotos si ayudan.
3. El vendedor responde en la misma página: la acepta (y dice si repara, sustituye o reembolsa) o explica por qué la avería no está cubierta. Seguimos cada reclamación e intervenimos si hace falta.

La garantía cubre averías, no daños por caídas o agua."""),
    }),
    ("help-grades", "help", 4, {
        "en": ("Grades: what each condition looks like", """Every device is fully working and tested, whatever its grade; the grade describes how it looks.

- **Premium**: like new, no visible mark.
- **Excellent**: barely visible marks, invisible at arm's length.
- **Good**: light scratches you can see up close.
- **Fair**: visible wear, the screen free of any mark that hides the picture.

[See the pictures of each grade](/grades/)."""),
        "fr": ("Les états : à quoi ressemble chacun", """Chaque appareil est entièrement fonctionnel et testé, quel que soit son état ; l'état décrit son apparence.

- **Premium** : comme neuf, aucune marque visible.
- **Excellent** : marques à peine visibles, invisibles à bout de bras.
- **Bon** : légères rayures visibles de près.
- **Correct** : usure visible, l'écran sans marque qui gêne l'image.

[Voir les photos de chaque état](/grades/)."""),
        "es": ("Estados: cómo es cada uno", """Todos los dispositivos funcionan perfectamente y están probados, sea cual sea su estado; el estado describe su aspecto.

- **Premium**: como nuevo, sin marcas visibles.
- **Excelente**: marcas apenas visibles, invisibles a un brazo de distancia.
- **Bueno**: ligeros arañazos visibles de cerca.
- **Correcto**: desgaste visible, la pantalla sin marcas que tapen la imagen.

[Ver las fotos de cada estado](/grades/)."""),
    }),
]


def pages_seed(Page, PageTranslation) -> int:  # noqa: N803 - the migration's historical models
    """Creates the pages not there yet (an edited page is left as staff wrote it)."""
    created = 0
    for slug, section, position, texts in PAGES:
        page, made = Page.objects.get_or_create(slug=slug,
                                                defaults={"section": section, "position": position})
        if not made:
            continue
        created += 1
        PageTranslation.objects.bulk_create([
            PageTranslation(page=page, language=language, title=title, body=body)
            for language, (title, body) in texts.items()])
    return created
