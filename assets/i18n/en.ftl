# Ruche — English catalogue. Every message here must also exist in fr.ftl (a test checks).
nav-home = Home
nav-upload = Upload
nav-my-videos = My videos
nav-my-channels = My channels
nav-registrations = Registrations
nav-follows = Federation
nav-login = Log in
nav-logout = Log out
nav-signup = Create an account
nav-language = Français
footer-free = Ruche is free software (AGPL-3.0).
home-title = Recent videos
home-empty = No video has been published yet.
home-previous = Newer videos
home-next = Older videos
home-scope = Which videos
home-scope-all = All
home-scope-local = This instance
home-scope-federated = Other instances
video-views = { $count ->
    [one] 1 view
   *[other] { $count } views
}
video-by = by { $channel }
login-title = Log in
login-username = Username or email
login-password = Password
login-submit = Log in
login-failed = Wrong username or password.
login-too-many = Too many attempts. Please try again in { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
}.
error-busy = The server is busy. Please try again in a few seconds.
signup-title = Create an account
signup-username = Username
signup-username-help = Lowercase letters, digits, dots and underscores.
signup-email = Email
signup-password = Password
signup-reason = Why do you want to join this instance?
signup-submit = Create my account
signup-closed = Sign-up is closed on this instance.
signup-pending = Thank you! A moderator will review your request.
signup-done = Your account is ready: you can log in.
signup-too-many = Too many sign-ups from your network. Please try again in { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
}.
upload-title = Upload a video
upload-file = Video or audio file
upload-name = Title
upload-channel = Channel
upload-privacy = Visibility
upload-description = Description (Markdown)
upload-submit = Upload
upload-progress = Upload progress
upload-quota = Space left: { $left }
upload-quota-unlimited = No storage limit.
upload-error = The upload failed: { $reason }
upload-retrying = Connection lost, resuming…
privacy-1 = Public
privacy-2 = Unlisted
privacy-3 = Private
privacy-4 = Internal
privacy-5 = Password protected
video-password-title = This video is password protected
video-password-prompt = Its author shares it with those who have its password.
video-password-field = Password
video-password-submit = Watch
video-password-wrong = This password is not the right one.
watch-quality = Quality
watch-quality-auto = Auto
watch-processing = This video is being prepared ({ $progress } %). This page refreshes by itself.
watch-failed = This video could not be prepared: { $reason }
watch-download = Download
watch-no-js = Your browser cannot play this video here; download it instead.
watch-p2p-share = Share with other viewers
watch-p2p-help = While this page is open, viewers of this video exchange pieces of it with each other, so your address is visible to them. Untick to load everything from the server.
watch-p2p-peers = Peers: { $count }
watch-p2p-received = From peers: { $size }
my-videos-title = My videos
my-videos-empty = You have not uploaded any video yet.
my-videos-state = State
my-videos-delete = Delete
my-videos-delete-confirm = Delete this video for good?
state-1 = Published
state-2 = Being prepared
state-3 = Being imported
state-7 = Failed
channels-title = My channels
channels-create = Create a channel
channels-handle = Handle
channels-display-name = Display name
channels-description = Description
channels-support = Support text
channels-created = The channel was created.
registrations-title = Registration requests
registrations-empty = No registration request.
registrations-accept = Accept
registrations-reject = Reject
registrations-state-1 = Pending
registrations-state-2 = Rejected
registrations-state-3 = Accepted
error-title = Something went wrong
error-not-found = This page does not exist, or you may not see it.
error-forbidden = You are not allowed to do this.
error-disk-full = The server's disk is full, so this could not be saved. Please try again later; the administrator has been told.
error-csrf = This form expired. Please try again.
profile-channels = Channels
profile-videos = Videos
nav-my-account = My account
account-title = My account
account-password = Password
account-current-password = Current password
account-new-password = New password
account-change-password = Change my password
account-danger = Danger zone
account-delete = Delete my account
account-delete-warning = This deletes your account and everything you made: your channels, videos, playlists, comments and sites. Other instances are told. Replies others wrote under your comments stay. Your name cannot be used again here. This cannot be undone.
account-delete-confirm = Type your user name to confirm
account-delete-submit = Delete my account for good
account-delete-mismatch = That is not your user name: nothing was deleted.
account-password-changed = Your password was changed. Your other sessions were logged out.
nav-my-sites = My sites
contact-name = Your name
contact-email = Your email
contact-message = Your message
contact-send = Send
contact-sent-title = Message sent
contact-sent = Thank you! Your message was delivered.
contact-refused-title = Message not sent
contact-error-invalid = Please fill in your name, a valid email address and your message.
contact-error-too-fast = That was very fast. Please take a moment, then send the form again.
contact-error-expired = This form has expired. Please reload the page and send it again.
contact-error-links = Your message contains too many links.
contact-error-rate = Too many messages for now. Please try again later.
contact-back = Back to the site
map-show = Show the map
map-open-osm = Open in OpenStreetMap
video-watch = Watch the video
my-sites-title = My sites
my-sites-empty = You have no site yet.
my-sites-unread = { $count ->
    [one] 1 unread message
   *[other] { $count } unread messages
}
inbox-title = Messages
inbox-empty = No message yet.
inbox-mark-read = Mark as read
inbox-mark-unread = Mark as unread
inbox-delete = Delete
carousel-prev = Previous picture
carousel-next = Next picture
carousel-pause = Pause the slideshow
carousel-play = Play the slideshow
lightbox-close = Close
video-play = Play the video
my-sites-create = Create a site
my-sites-site-title = Title of the site
my-sites-slug = Address
my-sites-slug-help = Its address will be /p/your-address/: lowercase letters, digits and dashes.
my-sites-language = Language of the site
my-sites-publish = Publish
my-sites-unpublish = Take off line
my-sites-revisions = History
my-sites-starter-intro = Tell your visitors who you are and what you do.
revisions-title = History
revisions-restore = Restore this version
revision-create = Created
revision-save = Saved
revision-publish = Published
revision-unpublish = Taken off line
revision-import = Imported
revision-restore = Restored
my-sites-edit = Edit
revision-preview = See this version
my-sites-delete = Delete
my-sites-trash = Trash
my-sites-trash-until = removed for good on { $date }
my-sites-undelete = Put back

## The site editor (assets/pages/editor.js gets every ed-* message)
video-none = No video yet: open the settings to paste its address.
ed-toolbar = Editor
ed-my-sites = My sites
ed-undo = Undo
ed-redo = Redo
ed-theme = Colours and fonts
ed-site = Site settings
ed-media = Pictures
ed-preview = Preview
ed-inbox = Messages
ed-history = History
ed-publish = Publish
ed-help = Help: explain what is under the pointer
ed-close = Close
ed-cancel = Cancel
ed-done = Done
ed-status-draft = Draft, not on line yet
ed-status-pending = Changes not saved yet…
ed-status-saving = Saving…
ed-status-saved = All changes saved
ed-status-published = Published
ed-status-offline = Cannot reach the server: your changes are kept here and will be saved when it answers
ed-status-error = Not saved
ed-status-conflict = Changed elsewhere
ed-published-at = Your site is on line at
ed-conflict = This site was changed in another tab or window since you opened it. Your changes are kept here.
ed-conflict-keep-mine = Save mine over it
ed-conflict-take-theirs = Load the other version
ed-add-here = Add a section here
ed-add-title = Add a section
ed-settings = Settings
ed-set-up = Set up
ed-drag = Drag to move
ed-move-up = Move up
ed-move-down = Move down
ed-duplicate = Duplicate
ed-hide = Hide from visitors
ed-show = Show to visitors
ed-hidden = hidden
ed-delete = Delete
ed-click-to-write = Click to write
ed-replace-image = Click to replace this picture
ed-format = Text formatting
ed-bold = Bold
ed-italic = Italic
ed-link = Link
ed-list = List
ed-heading-big = Big heading
ed-heading-small = Small heading
ed-link-prompt = Address of the link (https://…, mailto:…)
ed-needs-contact = This form needs the e-mail address its messages go to.
ed-needs-map = Place the marker: click on the map or type the coordinates.
ed-needs-video = Paste the address of a PeerTube video.
ed-needs-images = Add pictures to show here.
ed-needs-social = Add the addresses of your accounts.
ed-field-title = Title
ed-field-subtitle = Subtitle
ed-field-heading = Heading
ed-field-image = Picture
ed-field-picture = Picture
ed-field-focal = Focus point
ed-focal-help = Click the part of the picture that must always stay visible.
ed-field-overlay = Darkening over the picture
ed-field-buttons = Buttons
ed-field-button = Show a button
ed-field-label = Text
ed-field-href = Address it leads to
ed-field-columns = Columns
ed-columns = { $count ->
    [one] One column
   *[other] { $count } columns
}
ed-field-images = Pictures
ed-field-alt = Description for people who cannot see it
ed-field-caption = Caption
ed-field-interval = Seconds per picture (0: no automatic change)
ed-field-cards = Cards
ed-field-items = Items
ed-field-icon = Icon
ed-field-entries = Steps
ed-field-date = Date
ed-field-skills = Skills
ed-field-name = Name
ed-field-level = Level
ed-field-links = Links
ed-field-network = Network
ed-field-url = Address
ed-field-url-video = Address of the video
ed-video-help = The address of its page on PeerTube or on this site, such as https://framatube.org/w/…
ed-video-find = Find the video
ed-video-finding = Looking for the video…
ed-video-found = Found: { $title }
ed-field-to = E-mail address the messages go to
ed-field-to-help = Visitors never see it; messages also wait in Messages.
ed-field-intro = A sentence above the form
ed-field-place = Place
ed-map-help = Click on the map to place the marker, or type its coordinates.
ed-map-show = Show the map
ed-field-lat = Latitude
ed-field-lon = Longitude
ed-field-zoom = Zoom
ed-field-address = Postal address
ed-field-size = Space
ed-field-line = Draw a line
ed-field-menu = Label in the page menu
ed-menu-help = Leave empty to keep this section out of the menu.
ed-field-hidden = Hidden from visitors
ed-field-description = Description (shown by search engines)
ed-field-language = Language of the site
ed-field-slug = Address of the site
ed-slug-help = Lowercase letters, digits and dashes: it becomes /p/address/.
ed-field-social-image = Picture shown when the site is shared
ed-field-social_image = Picture shown when the site is shared
ed-field-favicon = Small icon in browser tabs
ed-export-json = Download a copy (to import elsewhere)
ed-export-zip = Download as a static site (zip)
ed-add-item = Add
ed-add-pictures = Add pictures
ed-remove = Remove
ed-choose-picture = Choose a picture
ed-remove-picture = No picture
ed-opt-small = Small
ed-opt-medium = Medium
ed-opt-large = Large
ed-opt-star = Star
ed-opt-heart = Heart
ed-opt-leaf = Leaf
ed-opt-sun = Sun
ed-opt-music = Music
ed-opt-book = Book
ed-opt-camera = Camera
ed-opt-mail = Mail
ed-opt-pin = Place
ed-opt-clock = Clock
ed-opt-check = Tick
ed-opt-users = People
ed-palettes = Colours
ed-palettes-help = Every palette keeps text readable on its backgrounds.
ed-font-sets = Fonts
ed-font-sample = The quick brown fox jumps over the lazy dog.
ed-phone = Phone
ed-desktop = Computer
ed-upload = Upload pictures
ed-uploaded = { $name } is in your pictures.
ed-media-help = The label of a picture is what blind visitors hear instead: describe what it shows.
ed-picture-label = Label (description)
ed-use-picture = Use this one
ed-help-intro = Point at anything to learn what it does. Press Escape or "?" to leave help.
ed-help-undo = Undo the last change (Ctrl+Z).
ed-help-redo = Redo what you undid (Ctrl+Shift+Z).
ed-help-theme = Choose the colours and the fonts of the whole site.
ed-help-site = Title, description, language, address and pictures of the site.
ed-help-media = All your pictures, and the descriptions read to blind visitors.
ed-help-preview = See the site as a phone or a computer shows it.
ed-help-inbox = Messages sent with the contact form.
ed-help-history = Every saved version; any of them can be brought back.
ed-help-publish = Put the current version on line. Until then, visitors see the last published one.
ed-help-help = Turns this help on and off.
ed-help-back = Back to the list of your sites.
ed-help-add = Insert a new section at this place.
ed-help-gear = The settings of this section.
ed-help-drag = Drag this handle to move the section.
ed-help-move = Move the section up or down.
ed-help-duplicate = Make a copy of this section just below.
ed-help-hide = Hide the section from visitors without deleting it.
ed-help-delete = Remove this section (Undo brings it back).
ed-help-format = Bold, italic, link, list and headings for the selected text.
ed-help-image = Click to replace this picture.
ed-help-rich = Click to write; select words to format them.
ed-help-text = Click to change this text.
ed-tour = Welcome to your site
ed-tour-add = This is your page, as visitors will see it. Add sections with these buttons.
ed-tour-gear = Each section has its settings here; buttons in orange need you.
ed-tour-text = Click any text to change it where it is.
ed-tour-help = Lost? This button explains whatever you point at.
ed-tour-publish = Everything is saved as you go. Publish when you want visitors to see it.
ed-tour-next = Next
ed-tour-skip = Skip
ed-tour-end = Start
ed-new-text = Click here to write your text.
ed-new-heading = A heading
ed-new-subtitle = A sentence that says what this site is about
ed-new-highlight = Something important to say
ed-new-item = Item
ed-new-button = Find out more
ed-new-contact = Write to us
ed-block-banner = Title banner
ed-block-banner-desc = The big title at the top, with a picture behind it.
ed-block-text = Text
ed-block-text-desc = One to three columns of text.
ed-block-highlight = Highlight
ed-block-highlight-desc = A coloured band for a key message.
ed-block-gallery = Gallery
ed-block-gallery-desc = A grid of pictures that open in large.
ed-block-carousel = Carousel
ed-block-carousel-desc = Pictures shown one after the other.
ed-block-cards = Cards
ed-block-cards-desc = Three or four boxes with a picture: a team, services.
ed-block-features = Features
ed-block-features-desc = Icons with a title and a short text.
ed-block-timeline = Timeline
ed-block-timeline-desc = Dates and steps, for a history or a CV.
ed-block-skills = Skills
ed-block-skills-desc = Skills with their level, for a CV.
ed-block-buttons = Buttons
ed-block-buttons-desc = One to four big links.
ed-block-video = Video
ed-block-video-desc = A PeerTube video, loaded only when played.
ed-block-social = Social links
ed-block-social-desc = Your Mastodon, PeerTube and other accounts.
ed-block-contact = Contact form
ed-block-contact-desc = Visitors write to you without seeing your address.
ed-block-map = Map
ed-block-map-desc = An OpenStreetMap map with your place.
ed-block-separator = Space
ed-block-separator-desc = Some space, with or without a line.
ed-block-footer = Footer
ed-block-footer-desc = Legal notice and links at the bottom.

## Pictures and pasted videos of sites
image-too-large = This picture is too large: at most 20 MB.
image-not-an-image = This file is not a picture (JPEG, PNG, GIF or WebP).
image-svg = SVG pictures are not accepted: they can carry scripts.
image-unsupported = This kind of picture is not supported: use JPEG, PNG, GIF or WebP.
image-too-many-pixels = This picture has too many pixels (at most 25 million).
image-broken = This picture is damaged and cannot be read.
image-quota = Your pictures take all the space you may use: remove some first.
image-internal = The picture could not be saved; try again.
video-url-invalid = This is not a valid web address.
video-url-not-video = This is not the address of a PeerTube video.
video-url-playlist = Playlists cannot be embedded yet, only single videos.
video-url-insecure = Only https addresses can be embedded.
video-url-forbidden = { $host } is not an address that may be fetched.
video-url-not-found = This video was not found on { $host }.
video-url-not-public = This video is not public on { $host }.
video-url-no-embed = { $host } does not offer a player for this address.
video-url-unreachable = { $host } could not be reached.
video-url-bad-response = { $host } gave an unusable answer.

follows-title = Federation
follows-intro = Choose the instances whose videos appear here, and who may receive ours. Following an instance brings its new videos to this one; they keep playing from their own instance.
follows-following = Instances we follow
follows-following-empty = This instance follows no other yet.
follows-follow-label = Host of an instance (video.example.org), or a channel's handle (name@host)
follows-follow = Follow
follows-unfollow = Stop following
follows-copy-title = Copy the follows of another instance
follows-copy-label = Host of the instance whose follows to copy
follows-copy = Follow the same instances
follows-followers = Instances following us
follows-followers-empty = No instance follows this one yet.
follows-auto-accept = Follows are accepted as they arrive.
follows-manual-accept = Each follow waits for an administrator to accept or reject it.
follows-accept = Accept
follows-reject = Reject
follows-remove = Remove
follows-state-pending = Waiting for an answer
follows-state-accepted = Accepted
follows-state-rejected = Rejected
follows-notice-followed = Follow sent. It shows as accepted once the other instance answers.
follows-notice-copied = The instances it follows are being followed.
follows-notice-unfollowed = No longer followed.
follows-notice-decided = Done.

profile-title = Profile
profile-save = Save
profile-saved = Your changes were saved; other instances are told.
profile-invalid = A display name has 1 to 120 characters; a description and a support text at most 1000.
picture-avatar = Avatar
picture-banner = Banner
picture-upload = Send this picture
picture-remove = Remove
picture-saved = The picture was saved.
picture-removed = The picture was removed.
channels-edit = Edit this channel
channels-delete = Delete this channel
channels-delete-confirm = Its videos are deleted with it, here and on every instance that has them.
channels-delete-confirm-needed = Tick the box to confirm that the channel and its videos are deleted.
channels-delete-last = Your last channel cannot be deleted.
channels-deleted = The channel and its videos were deleted; other instances are told.
comments-title = Comments ({ $count })
comments-disabled = Comments are disabled for this video.
comments-invalid = A comment has 1 to 10,000 characters.
comments-write = Add a comment
comments-send = Send
comments-reply = Reply
comments-delete = Delete
comments-deleted = This comment was deleted.
comments-login = Log in to comment.
comments-none = No comments yet.
comments-held = Waiting for the approval of the video's owner: only you, the owner and moderators see it.
comments-reviewed = The video's owner reviews comments before they are shown to everyone.
comments-approve = Approve

## Dates (crates/web/src/pages.rs: moment)
date-month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
# A chrono format; %B is the month's name above. Times are in UTC.
date-format-full = %B %-d, %Y, %H:%M UTC
date-just-now = just now
date-minutes-ago = { $count ->
    [one] 1 minute ago
   *[other] { $count } minutes ago
}
date-hours-ago = { $count ->
    [one] 1 hour ago
   *[other] { $count } hours ago
}
date-days-ago = { $count ->
    [one] yesterday
   *[other] { $count } days ago
}
date-weeks-ago = { $count ->
    [one] 1 week ago
   *[other] { $count } weeks ago
}
date-months-ago = { $count ->
    [one] 1 month ago
   *[other] { $count } months ago
}
date-years-ago = { $count ->
    [one] 1 year ago
   *[other] { $count } years ago
}

## Asking before deleting, pages not found, registrations waiting
confirm-cancel = Cancel
my-videos-date = Added
my-videos-delete-yes = Yes, delete this video
comments-delete-confirm = Delete this comment for good?
comments-delete-yes = Yes, delete it
error-not-found-title = Page not found
error-not-found-home = Go to the home page
login-pending = Your registration is waiting for a moderator. You can log in once it is accepted.
login-rejected = Your registration was refused by the moderators.
login-rejected-reason = Your registration was refused by the moderators: { $reason }
profile-pictures-help = A picture chosen here is saved with the Save button.

## Following another instance: why it failed (the details go to the server's log)
follows-error-empty = Give a host or a handle to follow.
follows-error-invalid = “{ $host }” is neither the host of an instance (video.example.org) nor a handle (name@host).
follows-error-self = This instance cannot follow itself.
follows-error-refused = We could not reach { $host }: it refused the connection.
follows-error-unknown-host = We could not reach { $host }: no server answers to this name.
follows-error-timeout = We could not reach { $host }: it did not answer in time.
follows-error-forbidden = We could not reach { $host }: it is not a public address.
follows-error-tls = We could not reach { $host }: its secure connection (certificate) could not be verified.
follows-error-unreachable = We could not reach { $host }: the connection failed.
follows-error-status = We reached { $host }, but it answered with an error.
follows-error-not-instance = We reached { $host }, but it does not answer as a PeerTube or ActivityPub instance.
follows-error-not-found = This follow no longer exists.
follows-error-other = Something went wrong with { $host }; the server's log says more.

## The site editor, on a phone
ed-more = More

## Comments: long threads, deep replies, too many at once
comments-earlier = { $count ->
    [one] One earlier reply is not shown here.
   *[other] { $count } earlier replies are not shown here.
}
comments-too-deep = This conversation is too deep to go on here: reply to an earlier comment of it.
comments-too-many = You are commenting too fast. Please try again in { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
}.
admin-p2p-title = Peer-to-peer
admin-p2p-stats = The tracker holds { $swarms } swarms, { $peers } peers, { $connections } open connections.
admin-p2p-off = Peer-to-peer sharing is off on this instance ([p2p] enabled = false): viewers load everything from the server.

# Editing a video (My videos → Edit)
edit-title = Edit “{ $name }”
edit-link = Edit
edit-save = Save
edit-saved = Your changes are saved.
edit-tags = Tags (up to 5, separated by commas)
edit-category = Category
edit-licence = Licence
edit-language = Language
edit-none = Not set
edit-support = Support text (how to help you: a donation link…)
edit-nsfw = This video is sensitive (not for everyone)
edit-comments = Comments
edit-comments-1 = Allowed
edit-comments-3 = Held for my approval
edit-comments-2 = Disabled
edit-download = Allow downloads
edit-original-date = First published elsewhere on
edit-passwords = Passwords (one per line), for a password-protected video
edit-schedule = Publish later: private until this date, then public
edit-schedule-set = Scheduled to become public on { $date }.
edit-thumbnail = Thumbnail
edit-thumbnail-file = Upload a picture
edit-thumbnail-frame = Or pick a frame of the video
edit-thumbnail-use = Use this frame
edit-thumbnail-picked = This frame will be the thumbnail once you save.
category-1 = Music
category-2 = Films
category-3 = Vehicles
category-4 = Art
category-5 = Sports
category-6 = Travels
category-7 = Gaming
category-8 = People
category-9 = Comedy
category-10 = Entertainment
category-11 = News & Politics
category-12 = How To
category-13 = Education
category-14 = Activism
category-15 = Science & Technology
category-16 = Animals
category-17 = Kids
category-18 = Food
licence-1 = Attribution
licence-2 = Attribution - Share Alike
licence-3 = Attribution - No Derivatives
licence-4 = Attribution - Non Commercial
licence-5 = Attribution - Non Commercial - Share Alike
licence-6 = Attribution - Non Commercial - No Derivatives
licence-7 = Public Domain Dedication
language-ar = Arabic
language-ca = Catalan
language-de = German
language-en = English
language-eo = Esperanto
language-es = Spanish
language-eu = Basque
language-fr = French
language-it = Italian
language-ja = Japanese
language-nl = Dutch
language-oc = Occitan
language-pl = Polish
language-pt = Portuguese
language-ru = Russian
language-zh = Chinese

# Search
search-title = Search
search-results-for = Results for “{ $text }”
search-field = Search videos and channels
search-placeholder = Search…
search-submit = Search
search-sort = Sort by
search-sort-match = Best match
search-sort-newest = Newest
search-sort-views = Most viewed
search-any = Any
search-channels = Channels
search-videos = Videos

## Playlists
nav-my-playlists = My playlists
playlists-title = My playlists
playlist-name = Name
playlist-description = Description
playlist-privacy = Visibility
playlist-privacy-1 = Public
playlist-privacy-2 = Unlisted
playlist-privacy-3 = Private
playlist-channel = Channel
playlist-channel-help = A public playlist belongs to one of your channels.
playlist-no-channel = No channel
playlist-videos = Videos
playlist-play = Play
playlist-new = New playlist
playlist-create = Create the playlist
playlist-edit = Edit the playlist
playlist-empty = This playlist is empty: use “Save” under a video to add it here.
playlist-up = Move up
playlist-down = Move down
playlist-remove = Remove
playlist-delete = Delete the playlist
playlist-delete-confirm = Delete this playlist for good? Its videos stay.
playlist-delete-yes = Yes, delete this playlist
playlist-watch-later = Watch later
playlist-deleted-video = Deleted video
playlist-private-video = Private video
playlist-save = Save to
playlist-save-button = Save
playlist-saved = Saved to your playlist.
playlist-of = Playlist: { $name }
playlist-position = { $position } of { $count }
playlist-next = Next
channel-playlists = Playlists
profile-followers = { $count ->
    [one] { $count } follower
   *[other] { $count } followers
}
profile-subscribe = Subscribe
profile-unsubscribe = Unsubscribe
profile-support = Support
profile-playlist-videos = { $count ->
    [one] { $count } video
   *[other] { $count } videos
}

## Reports and moderation
report-open = Report
report-reasons = What is wrong
report-reason = Tell the moderators more
report-start = From (m:ss)
report-end = To (m:ss)
report-privacy = Your report goes to this instance's moderators. When what you report is on another instance, it is sent there too, without your name.
report-send = Send the report
report-sent = Thank you: your report was sent to the moderators.
report-invalid = A report needs a reason of 2 to 3,000 characters, and a part of the video that ends after it starts.
report-already = You already reported this; the moderators have not decided yet.
report-own = You cannot report what is yours.
report-reason-violentOrRepulsive = Violent or repulsive
report-reason-hatefulOrAbusive = Hateful or abusive
report-reason-spamOrMisleading = Spam or misleading
report-reason-privacy = Privacy
report-reason-rights = Copyright
report-reason-serverRules = Breaks this instance's rules
report-reason-thumbnails = Thumbnail
report-reason-captions = Captions
nav-moderation = Moderation
moderation-title = Moderation
moderation-filter = Which reports
moderation-count = { $count ->
    [one] One report
   *[other] { $count } reports
}
moderation-empty = No report here.
moderation-state-0 = All
moderation-state-1 = Pending
moderation-state-2 = Rejected
moderation-state-3 = Accepted
moderation-kind-video = Video
moderation-kind-comment = Comment
moderation-kind-account = Account
moderation-reported = Reported:
moderation-reports-of = { $count ->
    [one] its only report
   *[other] { $count } reports in all
}
moderation-reporter = by
moderation-span = at
moderation-see-comment = See it under its video
moderation-gone = It has been deleted since.
moderation-comment = Moderators' comment:
moderation-comment-label = Comment (optional)
moderation-accept = Accept
moderation-reject = Reject
moderation-delete = Delete the report
moderation-delete-confirm = Delete this report and its messages for good?
moderation-delete-yes = Yes, delete it

## The instance's blocklist
nav-blocklist = Blocklist
blocklist-title = Blocked instances and accounts
blocklist-intro = What this instance blocks is hidden from everyone's lists, searches and comments; a blocked instance's messages are refused and the follows with it end.
blocklist-servers = Instances
blocklist-accounts = Accounts
blocklist-host = Instance
blocklist-handle = Account
blocklist-block = Block
blocklist-unblock = Unblock
blocklist-none = None.
blocklist-import = Block a list of instances
blocklist-import-help = One instance per line (lines starting with # are skipped). If a line is wrong, nothing is blocked and each wrong line is named.
blocklist-import-send = Block them all
blocklist-imported = { $count ->
    [one] One more instance blocked.
   *[other] { $count } more instances blocked.
}
profile-mute = Mute
profile-unmute = Unmute
profile-mute-help = You will no longer see this account's videos and comments, and nobody will see its comments under your videos.

## Notifications (the header's badge, /my-account/notifications, their mails) and My reports
nav-notifications = Notifications
notifications-unread = { $count ->
    [one] one unread notification
   *[other] { $count } unread notifications
}
notifications-title = Notifications
notifications-count = { $count ->
    [0] No notification yet.
    [one] One notification.
   *[other] { $count } notifications.
}
notifications-empty = Nothing has happened that concerns you yet.
notifications-read-all = Mark all as read
notifications-new = new
notifications-settings = What you are told, and how
notifications-setting-what = When
notifications-setting-web = Here
notifications-setting-mail = By mail
notifications-save = Save
notifications-setting-newCommentOnMyVideo = Someone comments on one of my videos
notifications-setting-myVideoPublished = One of my videos is published
notifications-setting-myVideoImportFinished = One of my imports has finished
notifications-setting-abuseStateChange = The moderators decide on one of my reports
notifications-setting-abuseNewMessage = A new message on a report
notifications-setting-abuseAsModerator = A new report for the moderators
notif-new-abuse = New report #{ $id } for the moderators
notif-abuse-accepted = Your report #{ $id } has been accepted
notif-abuse-rejected = Your report #{ $id } has been rejected
notif-abuse-message = New message on report #{ $id }
notif-new-comment = { $author } commented on your video “{ $video }”
notif-video-published = Your video “{ $video }” is published
notif-import-success = Your import “{ $video }” is complete
notif-import-error = Your import of { $url } failed
notif-other = Something new
mail-hello = Hello { $name },
mail-settings-hint = You get this mail because of your notification settings; change them here:
my-reports-title = My reports
my-reports-empty = You have reported nothing.
my-reports-moderator = moderator
my-reports-write = Write to the moderators
my-reports-send = Send
notif-video-blocked = Your video “{ $video }” has been blocked
notif-video-unblocked = Your video “{ $video }” has been unblocked
notif-video-auto-blocked = A new video is waiting for moderation: “{ $video }”
notifications-setting-blacklistOnMyVideo = One of my videos is blocked or unblocked
notifications-setting-videoAutoBlacklistAsModerator = A new video waits for moderation

## Video blocks (the watch page's moderator forms, /admin/video-blocks)
nav-video-blocks = Blocked videos
block-notice = This video is blocked by the moderators.
block-open = Block this video
block-reason = Reason (optional, 2 to 300 characters)
block-unfederate = Also ask other instances to delete it
block-submit = Block
block-unblock = Unblock
blocks-title = Blocked videos
blocks-filter = Which blocks
blocks-all = All
blocks-manual = Blocked by a moderator
blocks-waiting = Waiting for approval
blocks-count = { $count ->
    [one] One blocked video
   *[other] { $count } blocked videos
}
blocks-empty = No video is blocked.
blocks-manual-one = blocked by a moderator
blocks-waiting-one = waiting for approval
blocks-unfederated = deleted from other instances
blocks-approve = Approve
blocks-auto = New videos of users who do not moderate wait for a moderator's approval
blocks-auto-on = New videos of users who do not moderate wait for your approval.

## Users and the audit log (/admin/users, /admin/audit-logs)
nav-users = Users
nav-audit = Audit log
users-title = Users
users-search = Name or email
users-banned-only = Banned only
users-filter = Filter
users-count = { $count ->
    [one] One user
   *[other] { $count } users
}
users-empty = No user matches.
users-role-0 = Administrator
users-role-1 = Moderator
users-role-2 = User
users-role = Role
users-joined = joined
users-banned = banned
users-quota = Video quota (bytes)
users-quota-help = -1: no limit
users-save = Save
users-unban = Unban
users-ban = Ban…
users-ban-reason = Reason (optional, 3 to 250 characters)
users-ban-submit = Ban: their sessions end at once
users-delete = Delete…
users-delete-warning = This deletes the user and everything they made: channels, videos, playlists, comments and sites. Other instances are told. Replies others wrote under their comments stay. This cannot be undone.
users-delete-submit = Delete this user for good
audit-title = Audit log
audit-intro = What moderators and administrators did, newest first.
audit-empty = Nothing yet.
audit-when = When
audit-who = Who
audit-what = What
audit-target = To what
audit-details = Details

## A user's own blocklist (/my-account/blocklist)
mutes-title = Muted instances and accounts
mutes-intro = What you mute is hidden from your lists, searches and comments, and its comments on your videos no longer notify you. Nobody is told.
mutes-mute = Mute
mutes-unmute = Unmute
