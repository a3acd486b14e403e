"""Image upload (operation-api's /images/upload): streamed into the image service's folder."""
