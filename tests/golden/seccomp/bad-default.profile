# no default line
allow read write
